// Loads items for `npx generate audit`: our JSONL suites, and the paper's raw files, recognised by their
// content and imported on the fly, so their defects can be reported before anything is converted.
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CpiError, type ConflictItem } from '@cpi-bench/schemas';
import { auditItems, type AuditEntry, type AuditReport } from '../audit/audit.ts';
import { detectFormat, importPaperFile } from '../importers/detect.ts';
import { formatOf, readTextFile } from './paper.ts';
import { firstBadLines, readItemFile } from './read-dataset.ts';

/** Bytes read to recognise a file's format before reading it in full. */
const SNIFF_BYTES = 64 * 1024;

async function expand(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CpiError('CPI_FILE_NOT_FOUND', `no such file or folder: ${path}`, { file: path });
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await expand(child)));
    // In a folder, data files go by extension; of .json files (manifests, configs) only item arrays.
    else if (/\.(jsonl|csv)$/.test(entry.name) || (entry.name.endsWith('.json') && detectFormat(await head(child)) === 'locuslab-array')) out.push(child);
  }
  return out;
}

/** The first bytes of a file as text (BOM dropped, a cut multi-byte character tolerated). */
async function head(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return new TextDecoder('utf-8', { ignoreBOM: false }).decode(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

export interface AuditFilesResult {
  report: AuditReport;
  files: string[];
  /** Lines of JSONL files that are not valid ConflictItems (left out of the audit). */
  invalidLines: { file: string; line?: number; message: string }[];
}

/** The items of one file, whatever its format, and its bad lines. */
async function loadFile(file: string): Promise<{ items: ConflictItem[]; invalidLines: AuditFilesResult['invalidLines'] }> {
  const format = formatOf(await head(file), file);
  if (format === 'conflict-items') {
    // Streamed: our suites can be large, and one bad line should not hide the others.
    const result = await readItemFile(file);
    if (result.records.length === 0) {
      throw new CpiError('CPI_AUDIT_NO_ITEMS', `holds no valid items${result.issues.length > 0 ? `; bad lines: ${firstBadLines(result.issues)}` : ''}`, {
        file,
        hint: 'give ConflictItem .jsonl files (see packages/schemas/schemas/conflict-item.schema.json)',
      });
    }
    // ajv reports several issues for one bad line: one entry per line, messages joined.
    const byLine = new Map<number, string[]>();
    for (const issue of result.issues) byLine.set(issue.line ?? 0, [...(byLine.get(issue.line ?? 0) ?? []), `${issue.pointer || '/'} ${issue.message}`]);
    const invalidLines = [...byLine].map(([line, messages]) => (line > 0 ? { file, line, message: messages.join('; ') } : { file, message: messages.join('; ') }));
    return { items: result.records.map(({ value, line }) => ({ ...value, provenance: { ...value.provenance, line } })), invalidLines };
  }
  const { text } = await readTextFile(file);
  const items = importPaperFile(format, text, file, basename(file));
  return { items, invalidLines: [] };
}

/**
 * Audits every item in `paths` (files or folders; the paper's raw files are imported first).
 * @throws CpiError CPI_AUDIT_NO_ITEMS for a file without one valid item, naming its first bad lines;
 *   CPI_IMPORT_UNRECOGNISED for a file in no known format.
 */
export async function auditFiles(paths: readonly string[]): Promise<AuditFilesResult> {
  const entries: AuditEntry[] = [];
  const files: string[] = [];
  const invalidLines: AuditFilesResult['invalidLines'] = [];
  for (const path of paths) {
    for (const file of await expand(path)) {
      const loaded = await loadFile(file);
      entries.push(...loaded.items.map((item) => ({ item, file })));
      invalidLines.push(...loaded.invalidLines);
      files.push(file);
    }
  }
  if (entries.length === 0) throw new CpiError('CPI_AUDIT_NO_ITEMS', `no items to audit in ${paths.join(', ')}`, { hint: 'give ConflictItem .jsonl files, folders of them, or the paper files' });
  return { report: auditItems(entries), files, invalidLines };
}
