// Reads a suite of ConflictItems from a .jsonl file or a folder of them (recursively), validating every
// line. The hash covers the item files' bytes in sorted path order, so a run can record what it evaluated.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CpiError, SchemaValidationError, readJsonl, type ConflictItem, type SchemaIssue } from '@cpi-bench/schemas';

export interface ReadDatasetOptions {
  /** Keep only these splits (conflict, aligned, closed_book, unknown_subject). */
  splits?: string[];
  /** `throw` (default): one CPI_SCHEMA_INVALID error listing every bad line; `skip`: leave them out. */
  onInvalid?: 'throw' | 'skip';
}

export interface Dataset {
  items: ConflictItem[];
  /** SHA-256 over the item files' contents, concatenated in sorted path order. */
  sha256: string;
  /** The item files read, sorted. */
  files: string[];
  /** Bad lines left out (onInvalid: 'skip'). */
  skipped: number;
}

async function jsonlFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    // Dot-files are the temporary siblings of atomic writes, never items.
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await jsonlFilesUnder(path)));
    else if (entry.isFile() && entry.name.endsWith('.jsonl')) out.push(path);
  }
  return out;
}

/** Sorts by the path relative to the root, with forward slashes, so the order is the same on every OS. */
function sortedByRelativePath(root: string, files: string[]): string[] {
  const key = (f: string) => relative(root, f).split(sep).join('/');
  return [...files].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Reads every ConflictItem under `path` (a .jsonl file or a folder searched recursively; manifest.json
 * and other non-.jsonl files are ignored).
 * @throws CpiError CPI_DATASET_NOT_FOUND, CPI_SCHEMA_INVALID (file:line and JSON pointer of each bad line),
 *   CPI_DATASET_EMPTY when no item is left after filtering.
 * @example const { items, sha256 } = await readDataset('datasets/default', { splits: ['conflict'] });
 */
export async function readDataset(path: string, options: ReadDatasetOptions = {}): Promise<Dataset> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CpiError('CPI_DATASET_NOT_FOUND', `no dataset at ${path}`, { file: path, hint: 'give a .jsonl file or a folder of .jsonl files' });
  const files = info.isDirectory() ? sortedByRelativePath(path, await jsonlFilesUnder(path)) : [path];
  const hash = createHash('sha256');
  const items: ConflictItem[] = [];
  const issues: SchemaIssue[] = [];
  let skipped = 0;
  const keep = options.splits ? new Set(options.splits) : undefined;
  for (const file of files) {
    hash.update(await readFile(file));
    const result = await readJsonl(file, { schema: 'conflictItem', onInvalid: 'skip' });
    issues.push(...result.issues);
    skipped += result.skipped;
    for (const { value } of result.records) if (!keep || keep.has(value.split)) items.push(value);
  }
  if (issues.length > 0 && (options.onInvalid ?? 'throw') === 'throw') throw new SchemaValidationError('conflictItem', issues);
  if (items.length === 0) {
    throw new CpiError('CPI_DATASET_EMPTY', `no items in ${path}${keep ? ` with split ${[...keep].join(', ')}` : ''}`, {
      file: path,
      hint: files.length === 0 ? 'the folder holds no .jsonl files' : 'check the --splits filter or the files',
    });
  }
  return { items, sha256: hash.digest('hex'), files, skipped };
}
