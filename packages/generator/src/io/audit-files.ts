// Loads items for `npx generate audit`: our JSONL suites, and the paper's raw files, recognised by name
// and imported on the fly, so their defects can be reported before anything is converted.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CpiError, readJsonl, type ConflictItem } from '@cpi-bench/schemas';
import { auditItems, type AuditEntry, type AuditReport } from '../audit/audit.ts';
import { importBiographies, importCountryCapitals, importWorldFacts } from '../importers/locuslab.ts';
import { importMemoTrap } from '../importers/memotrap.ts';

const RAW_IMPORTERS: Readonly<Record<string, (text: string, file: string) => ConflictItem[]>> = {
  'world_facts.json': importWorldFacts,
  'country_capitals_only.json': importCountryCapitals,
  'famous_biographies.jsonl': importBiographies,
};

async function expand(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CpiError('CPI_FILE_NOT_FOUND', `no such file or folder: ${path}`, { file: path });
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await expand(child)));
    else if (/\.(jsonl|csv)$/.test(entry.name) || entry.name in RAW_IMPORTERS) out.push(child);
  }
  return out;
}

export interface AuditFilesResult {
  report: AuditReport;
  files: string[];
  /** Lines of JSONL files that are not valid ConflictItems (left out of the audit). */
  invalidLines: { file: string; line?: number; message: string }[];
}

/** Audits every item in `paths` (files or folders; raw paper files are imported first). */
export async function auditFiles(paths: readonly string[]): Promise<AuditFilesResult> {
  const entries: AuditEntry[] = [];
  const files: string[] = [];
  const invalidLines: AuditFilesResult['invalidLines'] = [];
  for (const path of paths) {
    for (const file of await expand(path)) {
      const name = basename(file);
      const raw = RAW_IMPORTERS[name];
      if (raw) entries.push(...raw(await readFile(file, 'utf8'), file).map((item) => ({ item, file })));
      else if (name.endsWith('.csv')) entries.push(...importMemoTrap(await readFile(file, 'utf8'), file).map((item) => ({ item, file })));
      else if (name.endsWith('.jsonl')) {
        const result = await readJsonl(file, { schema: 'conflictItem', onInvalid: 'skip' });
        // ajv reports several issues for one bad line: one entry per line, messages joined.
        const byLine = new Map<number, string[]>();
        for (const issue of result.issues) byLine.set(issue.line ?? 0, [...(byLine.get(issue.line ?? 0) ?? []), `${issue.pointer || '/'} ${issue.message}`]);
        for (const [line, messages] of byLine) invalidLines.push(line > 0 ? { file, line, message: messages.join('; ') } : { file, message: messages.join('; ') });
        entries.push(...result.records.map(({ value, line }) => ({ item: { ...value, provenance: { ...value.provenance, line } }, file })));
      } else {
        throw new CpiError('CPI_AUDIT_UNSUPPORTED', `cannot audit ${file}`, { file, hint: 'give ConflictItem .jsonl files, folders of them, or the paper files (world_facts.json, country_capitals_only.json, famous_biographies.jsonl, MemoTrap .csv)' });
      }
      files.push(file);
    }
  }
  return { report: auditItems(entries), files, invalidLines };
}
