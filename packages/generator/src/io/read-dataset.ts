// Reads a suite of ConflictItems from a .jsonl file or a folder of them (recursively), validating every
// line. The hash covers the item files' bytes in sorted path order, so a run can record what it evaluated.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CpiError, SchemaValidationError, formatSchemaIssue, readJsonl, type ConflictItem, type SchemaIssue } from '@cpi-bench/schemas';

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

/** The valid items of one .jsonl file and its bad lines; a torn last line counts as a bad line. */
export interface ItemFile {
  records: { line: number; value: ConflictItem }[];
  issues: SchemaIssue[];
}

/**
 * Reads one ConflictItem .jsonl file, keeping bad lines as issues. Suites are written atomically, so a last
 * line cut off mid-write means a damaged file: unlike the prediction store, it is reported, not dropped.
 */
export async function readItemFile(file: string): Promise<ItemFile> {
  const result = await readJsonl(file, { schema: 'conflictItem', onInvalid: 'skip' });
  const issues = [...result.issues];
  if (result.tornLine !== undefined) {
    issues.push({ file, line: result.tornLine, pointer: '', message: 'is cut off: the file does not end with a newline and its last line is not valid JSON', code: 'CPI_JSONL_TORN_LINE' });
  }
  return { records: result.records, issues };
}

/** "file:line" of the first `max` bad lines, for messages that must say where to look. */
export function firstBadLines(issues: readonly SchemaIssue[], max = 3): string {
  const seen = new Map<string, SchemaIssue>();
  for (const issue of issues) {
    const at = `${issue.file ?? ''}:${issue.line ?? 0}`;
    if (!seen.has(at)) seen.set(at, issue);
  }
  const listed = [...seen.values()].slice(0, max).map((i) => formatSchemaIssue(i));
  return listed.join('; ') + (seen.size > max ? `; … ${seen.size - max} more bad lines` : '');
}

/** Most duplicate ids listed in one CPI_DUPLICATE_ID error. */
const MAX_DUPLICATES_LISTED = 5;

/**
 * Reads every ConflictItem under `path` (a .jsonl file or a folder searched recursively; manifest.json
 * and other non-.jsonl files are ignored).
 * @throws CpiError CPI_DATASET_NOT_FOUND, CPI_SCHEMA_INVALID (file:line and JSON pointer of each bad line,
 *   a torn last line included), CPI_DUPLICATE_ID (both file:line of each id that occurs twice),
 *   CPI_DATASET_EMPTY when no item is left after filtering (naming the first bad lines, if any).
 * @example const { items, sha256 } = await readDataset('datasets/default', { splits: ['conflict'] });
 */
export async function readDataset(path: string, options: ReadDatasetOptions = {}): Promise<Dataset> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CpiError('CPI_DATASET_NOT_FOUND', `no dataset at ${path}`, { file: path, hint: 'give a .jsonl file or a folder of .jsonl files' });
  const files = info.isDirectory() ? sortedByRelativePath(path, await jsonlFilesUnder(path)) : [path];
  const hash = createHash('sha256');
  const items: ConflictItem[] = [];
  const issues: SchemaIssue[] = [];
  // Ids key the prediction store: two items with one id would share predictions.
  const firstSeen = new Map<string, string>();
  const duplicates: string[] = [];
  let skipped = 0;
  const keep = options.splits ? new Set(options.splits) : undefined;
  for (const file of files) {
    // Streamed: a file read whole could exhaust memory (or pass Node's 2 GB limit, a plain Error).
    try {
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    } catch (error) {
      throw new CpiError('CPI_FILE_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`, { file, cause: error });
    }
    const result = await readItemFile(file);
    issues.push(...result.issues);
    skipped += new Set(result.issues.map((i) => i.line)).size;
    for (const { value, line } of result.records) {
      const where = `${file}:${line}`;
      const first = firstSeen.get(value.id);
      if (first !== undefined) duplicates.push(`"${value.id}" at ${first} and ${where}`);
      else firstSeen.set(value.id, where);
      if (!keep || keep.has(value.split)) items.push(value);
    }
  }
  if (issues.length > 0 && (options.onInvalid ?? 'throw') === 'throw') throw new SchemaValidationError('conflictItem', issues);
  if (duplicates.length > 0) {
    const listed = duplicates.slice(0, MAX_DUPLICATES_LISTED).join('; ') + (duplicates.length > MAX_DUPLICATES_LISTED ? `; … ${duplicates.length - MAX_DUPLICATES_LISTED} more` : '');
    throw new CpiError('CPI_DUPLICATE_ID', `${duplicates.length} item ${duplicates.length === 1 ? 'id occurs' : 'ids occur'} more than once: ${listed}`, {
      hint: 'every item needs its own id: predictions and scores are keyed by it',
    });
  }
  if (items.length === 0) {
    const bad = issues.length > 0 ? `; bad lines: ${firstBadLines(issues)}` : '';
    throw new CpiError('CPI_DATASET_EMPTY', `no items in ${path}${keep ? ` with split ${[...keep].join(', ')}` : ''}${bad}`, {
      file: path,
      hint: files.length === 0 ? 'the folder holds no .jsonl files' : issues.length > 0 ? 'fix the lines named above' : 'check the --splits filter or the files',
    });
  }
  return { items, sha256: hash.digest('hex'), files, skipped };
}
