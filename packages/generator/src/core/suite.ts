// Assembles a suite: one JSONL file per dataset (items sorted by id), optional CSV twins, and the
// DatasetManifest with counts and file hashes. Pure and free of timestamps, so a seed gives the same bytes.
import Papa from 'papaparse';
import { isValid, schemaIssues, sha256, toJsonl, type ConflictItem, type DatasetManifest } from '@cpi-bench/schemas';

export type SuiteFormat = 'jsonl' | 'csv';

export interface SuiteDataset {
  dataset: string;
  items: readonly ConflictItem[];
}

export interface SuiteInput {
  datasets: readonly SuiteDataset[];
  formats: readonly SuiteFormat[];
  seed: number;
  generatorVersion: string;
  /** Recorded as the manifest's `options` (generation options, sources, credits). Keep it free of clocks and absolute paths. */
  options: Record<string, unknown>;
}

export interface SuiteFile {
  /** Relative to the suite folder. */
  path: string;
  content: string;
  /** `content` as UTF-8, encoded once for the hash, the size and the write. */
  bytes: Buffer;
  dataset: string;
  format: SuiteFormat;
  items: number;
}

export interface Suite {
  files: SuiteFile[];
  manifest: DatasetManifest;
  /** Items that failed schema validation and were left out (a generator bug, reported rather than fatal). */
  invalid: { id: string; message: string }[];
}

const CSV_COLUMNS = [
  'id', 'dataset', 'category', 'split', 'groupId', 'context', 'question', 'prompt', 'contextAnswer', 'parametricAnswer',
  'contextAliases', 'parametricAliases', 'substitution', 'answerPosition', 'flags', 'variant', 'templateId', 'provenance',
] as const;

/** Items as CSV (papaparse): arrays and objects are JSON in their cell, so nothing is lost. */
export function itemsToCsv(items: readonly ConflictItem[]): string {
  const rows = items.map((item) =>
    CSV_COLUMNS.map((c) => {
      const v = (item as Record<string, unknown>)[c];
      return v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }),
  );
  return Papa.unparse({ fields: [...CSV_COLUMNS], data: rows }, { newline: '\n' }) + '\n';
}

const byId = (a: ConflictItem, b: ConflictItem) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function isSortedById(items: readonly ConflictItem[]): boolean {
  for (let i = 1; i < items.length; i++) if ((items[i - 1] as ConflictItem).id > (items[i] as ConflictItem).id) return false;
  return true;
}

export function buildSuite(input: SuiteInput): Suite {
  const files: SuiteFile[] = [];
  const invalid: Suite['invalid'] = [];
  const bySplit: Record<string, number> = {};
  const byDataset: Record<string, Record<string, number>> = {};
  let total = 0;
  for (const { dataset, items } of [...input.datasets].sort((a, b) => (a.dataset < b.dataset ? -1 : 1))) {
    const valid: ConflictItem[] = [];
    for (const item of items) {
      if (isValid('conflictItem', item)) valid.push(item);
      else invalid.push({ id: (item as ConflictItem).id, message: schemaIssues('conflictItem', item).map((i) => `${i.pointer || '/'} ${i.message}`).join('; ') });
    }
    // Generators hand over sorted items already; checking is O(n), sorting 100k ids is not free.
    if (!isSortedById(valid)) valid.sort(byId);
    const counts: Record<string, number> = {};
    for (const item of valid) {
      counts[item.split] = (counts[item.split] ?? 0) + 1;
      bySplit[item.split] = (bySplit[item.split] ?? 0) + 1;
    }
    byDataset[dataset] = Object.fromEntries(Object.entries(counts).sort());
    total += valid.length;
    const jsonl = toJsonl(valid);
    files.push({ path: `${dataset}.jsonl`, content: jsonl, bytes: Buffer.from(jsonl), dataset, format: 'jsonl', items: valid.length });
    if (input.formats.includes('csv')) {
      const csv = itemsToCsv(valid);
      files.push({ path: `${dataset}.csv`, content: csv, bytes: Buffer.from(csv), dataset, format: 'csv', items: valid.length });
    }
  }
  const manifest: DatasetManifest = {
    schemaVersion: 1,
    generatorVersion: input.generatorVersion,
    seed: input.seed,
    options: input.options,
    counts: { total, bySplit: Object.fromEntries(Object.entries(bySplit).sort()), byDataset },
    files: files.map((f) => ({ path: f.path, sha256: sha256(f.bytes), bytes: f.bytes.length, dataset: f.dataset, format: f.format, items: f.items })),
  };
  return { files, manifest, invalid };
}
