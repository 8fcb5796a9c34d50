// Tells the paper's file formats apart by their content, so a renamed or re-saved file (another name, a
// byte-order mark) is still recognised. File names only break the tie between the two locuslab arrays.
import { importBiographies, importCountryCapitals, importLocuslabArray, importWorldFacts } from './locuslab.ts';
import { importMemoTrap } from './memotrap.ts';
import type { ConflictItem } from '@cpi-bench/schemas';

/** `conflict-items` is our own JSONL format; the others are the paper's. */
export type FileFormat = 'locuslab-array' | 'biographies' | 'memotrap' | 'conflict-items';

/** The paper's file names, which pick the locuslab dataset when the content allows either. */
const ARRAY_IMPORTERS: Readonly<Record<string, (text: string, file: string) => ConflictItem[]>> = {
  'world_facts.json': importWorldFacts,
  'country_capitals_only.json': importCountryCapitals,
};

const firstLine = (text: string): string => {
  const end = text.indexOf('\n');
  return (end < 0 ? text : text.slice(0, end)).replace(/\r$/, '');
};

/**
 * The format of a file from its first characters (a few kilobytes are enough; the BOM already removed),
 * or undefined when it is none of them.
 * @example detectFormat('prompt,classes,answer_index\n…') // 'memotrap'
 */
export function detectFormat(head: string): FileFormat | undefined {
  const start = head.trimStart();
  if (start.startsWith('[')) return 'locuslab-array';
  if (start.startsWith('{')) {
    // A JSONL record: the paper's biographies name the true answer parametric_answer, and have no id.
    const line = firstLine(start);
    if (/"parametric_answer"\s*:/.test(line) && !/"schemaVersion"\s*:/.test(line)) return 'biographies';
    return 'conflict-items';
  }
  const header = firstLine(start).split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  if (['prompt', 'classes', 'answer_index'].every((c) => header.includes(c))) return 'memotrap';
  return undefined;
}

/**
 * Imports a paper file of a detected format (`name` is its base name, which only picks between the two
 * locuslab arrays). Throws CpiError CPI_IMPORT_INVALID or CPI_IMPORT_EMPTY.
 */
export function importPaperFile(format: Exclude<FileFormat, 'conflict-items'>, text: string, file: string, name: string): ConflictItem[] {
  if (format === 'biographies') return importBiographies(text, file);
  if (format === 'memotrap') return importMemoTrap(text, file);
  return (ARRAY_IMPORTERS[name] ?? importLocuslabArray)(text, file);
}
