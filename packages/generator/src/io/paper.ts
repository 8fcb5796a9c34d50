// Reads the paper's files (locuslab + MemoTrap) from the paper folder, when it is there. They are imported,
// never copied: the suite records their hashes instead.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256, type ConflictItem } from '@cpi-bench/schemas';
import { importBiographies, importCountryCapitals, importWorldFacts } from '../importers/locuslab.ts';
import { MEMOTRAP_FILES, importMemoTrap } from '../importers/memotrap.ts';

export interface PaperImport {
  included: boolean;
  /** Why some or all files are missing. */
  note?: string;
  datasets: { dataset: string; items: ConflictItem[] }[];
  /** Each source file, relative to the paper folder, with its SHA-256. */
  sources: { path: string; sha256: string; items: number }[];
}

const LOCUSLAB: readonly [string, string, (text: string, file: string) => ConflictItem[]][] = [
  ['locuslab/world_facts.json', 'cf-world-facts', importWorldFacts],
  ['locuslab/country_capitals_only.json', 'cf-capitals', importCountryCapitals],
  ['locuslab/famous_biographies.jsonl', 'cf-bio', importBiographies],
];

/** Imports every paper file found under `dir`; missing files are noted, malformed ones throw CPI_IMPORT_INVALID. */
export async function importPaperDatasets(dir: string): Promise<PaperImport> {
  const datasets = new Map<string, ConflictItem[]>();
  const sources: PaperImport['sources'] = [];
  const missing: string[] = [];
  const files: [string, string, (text: string, file: string) => ConflictItem[]][] = [
    ...LOCUSLAB,
    ...Object.keys(MEMOTRAP_FILES).map((f) => [`memotrap/${f}`, 'memotrap', (t: string, file: string) => importMemoTrap(t, file)] as [string, string, (text: string, file: string) => ConflictItem[]]),
  ];
  for (const [path, dataset, importer] of files) {
    const text = await readFile(join(dir, path), 'utf8').catch(() => undefined);
    if (text === undefined) {
      missing.push(path);
      continue;
    }
    const items = importer(text, path);
    datasets.set(dataset, [...(datasets.get(dataset) ?? []), ...items]);
    sources.push({ path, sha256: sha256(text), items: items.length });
  }
  const result: PaperImport = { included: sources.length > 0, datasets: [...datasets].map(([dataset, items]) => ({ dataset, items })), sources };
  if (missing.length > 0) result.note = `not found in the paper folder: ${missing.join(', ')}`;
  return result;
}
