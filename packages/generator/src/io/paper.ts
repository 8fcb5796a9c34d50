// Reads the paper's files (locuslab + MemoTrap) from the paper folder, when it is there. They are imported,
// never copied: the suite records their hashes instead. Each file is read strictly (UTF-8, size) and
// checked by content, so a damaged or swapped file is an error rather than odd items.
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CpiError, sha256, type ConflictItem } from '@cpi-bench/schemas';
import { detectFormat, importPaperFile, type FileFormat } from '../importers/detect.ts';
import { MEMOTRAP_FILES } from '../importers/memotrap.ts';

export interface PaperImport {
  included: boolean;
  /** Why some or all files are missing. */
  note?: string;
  datasets: { dataset: string; items: ConflictItem[] }[];
  /** Each source file, relative to the paper folder, with its SHA-256. */
  sources: { path: string; sha256: string; items: number }[];
}

/** Largest paper file read whole (the largest real one is under 1 MB). */
export const MAX_PAPER_FILE_BYTES = 64 * 1024 * 1024;
/** How much of a file format detection looks at. */
const SNIFF_CHARS = 64 * 1024;

const PAPER_FILES: readonly [string, string, Exclude<FileFormat, 'conflict-items'>][] = [
  ['locuslab/world_facts.json', 'cf-world-facts', 'locuslab-array'],
  ['locuslab/country_capitals_only.json', 'cf-capitals', 'locuslab-array'],
  ['locuslab/famous_biographies.jsonl', 'cf-bio', 'biographies'],
  ...Object.keys(MEMOTRAP_FILES).map((f) => [`memotrap/${f}`, 'memotrap', 'memotrap'] as [string, string, 'memotrap']),
];

/** 1-based line of the first byte sequence in `bytes` that is not UTF-8, by decoding line by line. */
function firstInvalidUtf8Line(bytes: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(10, start);
    try {
      decoder.decode(bytes.subarray(start, end < 0 ? bytes.length : end));
    } catch {
      return line;
    }
    if (end < 0) return line;
    start = end + 1;
  }
}

/**
 * Reads a text file strictly: at most MAX_PAPER_FILE_BYTES, valid UTF-8 (else CPI_INVALID_UTF8 with the
 * line), a leading byte-order mark dropped. The hash is over the bytes as they are on disk.
 */
export async function readTextFile(file: string): Promise<{ text: string; sha256: string }> {
  const info = await stat(file).catch(() => undefined);
  if (info && info.size > MAX_PAPER_FILE_BYTES) {
    throw new CpiError('CPI_FILE_TOO_LARGE', `is ${info.size} bytes; files read whole may have at most ${MAX_PAPER_FILE_BYTES}`, { file });
  }
  const bytes = await readFile(file).catch((error: unknown) => {
    throw new CpiError('CPI_FILE_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`, { file, cause: error });
  });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CpiError('CPI_INVALID_UTF8', 'is not valid UTF-8', { file, line: firstInvalidUtf8Line(bytes), hint: 'save the file as UTF-8' });
  }
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, sha256: sha256(bytes) };
}

/** The format of a file's text, or CPI_IMPORT_UNRECOGNISED naming what it accepts. */
export function formatOf(text: string, file: string): FileFormat {
  if (text.trim() === '') throw new CpiError('CPI_IMPORT_EMPTY', 'is empty', { file });
  const format = detectFormat(text.slice(0, SNIFF_CHARS));
  if (format === undefined) {
    throw new CpiError('CPI_IMPORT_UNRECOGNISED', 'is in no format cpi-bench reads', {
      file,
      hint: 'give ConflictItem .jsonl, a locuslab JSON array (context, question, answer, memory_answer), famous_biographies JSONL or a MemoTrap CSV (prompt, classes, answer_index)',
    });
  }
  return format;
}

/** Imports every paper file found under `dir`; missing files are noted, malformed ones throw CPI_IMPORT_*. */
export async function importPaperDatasets(dir: string): Promise<PaperImport> {
  const datasets = new Map<string, ConflictItem[]>();
  const sources: PaperImport['sources'] = [];
  const missing: string[] = [];
  for (const [path, dataset, expected] of PAPER_FILES) {
    const file = join(dir, path);
    if (!(await stat(file).catch(() => undefined))) {
      missing.push(path);
      continue;
    }
    const { text, sha256: hash } = await readTextFile(file);
    const format = formatOf(text, path);
    if (format !== expected) throw new CpiError('CPI_IMPORT_INVALID', `holds ${format} data, not ${expected}`, { file: path, hint: 'is this the unmodified file from the paper repository?' });
    const items = importPaperFile(format, text, path, basename(path));
    datasets.set(dataset, [...(datasets.get(dataset) ?? []), ...items]);
    sources.push({ path, sha256: hash, items: items.length });
  }
  const result: PaperImport = { included: sources.length > 0, datasets: [...datasets].map(([dataset, items]) => ({ dataset, items })), sources };
  if (missing.length > 0) result.note = `not found in the paper folder: ${missing.join(', ')}`;
  return result;
}
