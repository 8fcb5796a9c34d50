// Bad input to the readers (dataset, paper import, audit): each case is a CpiError with a code and a place
// (file, line) or a counted warning, never a RangeError, a hang or a silent loss. Files are built in a
// temp folder here, so nothing depends on the real paper files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toJsonl, type ConflictItem } from '@cpi-bench/schemas';
import { auditFiles, formatAuditReport, importMemoTrap, importPaperDatasets, importWorldFacts, readDataset } from '../src/index.ts';
import { BIOGRAPHIES, CAPITALS, MEMOTRAP_CSV, WORLD_FACTS, json, jsonl, writePaperDir } from './fixtures/paper-like.ts';
import { tempDir } from './helpers.ts';

// Far below what the old quadratic code took (135 s for the 1 MB audit), far above what a loaded 2-core CI
// machine, running several test files at once, takes for linear work (3.7 s seen at 3 s).
const QUICK_MS = 20_000;

function item(id: string, fields: Partial<ConflictItem> = {}): ConflictItem {
  return { schemaVersion: 1, id, dataset: 'd', category: 'c', split: 'conflict', question: `Q ${id}?`, context: 'It is Lyon.', contextAnswer: 'Lyon', parametricAnswer: 'Paris', provenance: { source: 't' }, ...fields };
}
function file(name: string, content: string | Buffer, dir = tempDir()): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error as Error & { code?: string };
}

describe('readDataset', () => {
  it('refuses an id that occurs twice, naming both file:line', async () => {
    const dir = tempDir();
    const a = file('a.jsonl', toJsonl([item('one'), item('two')]), dir);
    const b = file('b.jsonl', toJsonl([item('three'), item('two')]), dir);
    const error = await rejection(readDataset(dir));
    expect(error.code).toBe('CPI_DUPLICATE_ID');
    expect(error.message).toContain(`"two" at ${a}:2 and ${b}:2`);
  });

  it('reports a torn last line instead of dropping it silently', async () => {
    const path = file('torn.jsonl', toJsonl([item('a')]) + JSON.stringify(item('b')).slice(0, 30));
    const error = await rejection(readDataset(path));
    expect(error.code).toBe('CPI_SCHEMA_INVALID');
    expect(error.message).toContain(`${path}:2 /: is cut off`);
    const skipped = await readDataset(path, { onInvalid: 'skip' });
    expect(skipped).toMatchObject({ skipped: 1, items: [expect.objectContaining({ id: 'a' })] });
  });

  it('a file with no valid item names its first bad lines, also when bad lines are skipped', async () => {
    const path = file('bad.jsonl', toJsonl([{ ...item('a'), split: 'sideways' }, { nope: 1 }]) + '{"torn');
    const error = await rejection(readDataset(path, { onInvalid: 'skip' }));
    expect(error.code).toBe('CPI_DATASET_EMPTY');
    expect(error.message).toContain(`${path}:1 /split`);
    expect(error.message).toContain(`${path}:2`);
  });

  it('reports a line nested 100,000 deep with a code, quickly', async () => {
    const path = file('deep.jsonl', toJsonl([item('a')]) + '['.repeat(100_000) + ']'.repeat(100_000) + '\n');
    const started = Date.now();
    const error = await rejection(readDataset(path));
    expect(Date.now() - started).toBeLessThan(QUICK_MS);
    expect(error.message).toContain(`${path}:2 /: nests arrays or objects deeper than 64 levels`);
    expect(error.message).toContain('CPI_JSON_TOO_DEEP');
  });
});

describe('importers', () => {
  it('a world_facts.json nested 100,000 deep is CPI_JSON_TOO_DEEP, not a stack overflow', () => {
    const deep = '[' + '['.repeat(100_000) + ']'.repeat(100_000) + ']';
    expect(() => importWorldFacts(deep)).toThrow(expect.objectContaining({ code: 'CPI_JSON_TOO_DEEP', line: 1 }));
  });

  it('a MemoTrap cell with \\U00110000 is CPI_IMPORT_INVALID naming the cell, not a RangeError', () => {
    const csv = 'prompt,classes,answer_index\n"Say it","[\' \\U00110000\', \' b\']",0\n';
    expect(() => importMemoTrap(csv, 'm.csv')).toThrow(expect.objectContaining({ code: 'CPI_IMPORT_INVALID', line: 2, pointer: '/0/classes' }));
    expect(() => importMemoTrap(csv, 'm.csv')).toThrow(/beyond the last Unicode code point/);
  });
});

describe('importPaperDatasets', () => {
  it('loads files that start with a UTF-8 byte-order mark, hashing the bytes as they are', async () => {
    const dir = writePaperDir(tempDir(), { 'locuslab/world_facts.json': '\ufeff' + json(WORLD_FACTS), 'memotrap/1-proverb-ending.csv': '\ufeff' + MEMOTRAP_CSV });
    const paper = await importPaperDatasets(dir);
    expect(paper.datasets.map((d) => [d.dataset, d.items.length])).toEqual([['cf-world-facts', 2], ['memotrap', 1]]);
    expect(paper.sources[0]?.sha256).not.toBe(paper.sources[1]?.sha256);
  });

  it('refuses invalid UTF-8 with its line instead of importing U+FFFD', async () => {
    const text = Buffer.from(json(WORLD_FACTS).replace('Herat.', 'Her#t.'));
    text[text.indexOf('#')] = 0xe9; // Latin-1 é
    const dir = writePaperDir(tempDir(), { 'locuslab/world_facts.json': text });
    const error = await rejection(importPaperDatasets(dir));
    expect(error).toMatchObject({ code: 'CPI_INVALID_UTF8', line: 3 });
  });

  it('refuses an empty famous_biographies.jsonl instead of an empty CF_Bio', async () => {
    for (const content of ['', '\n\n']) {
      const dir = writePaperDir(tempDir(), { 'locuslab/world_facts.json': json(WORLD_FACTS), 'locuslab/famous_biographies.jsonl': content });
      const error = await rejection(importPaperDatasets(dir));
      expect(error.code).toBe('CPI_IMPORT_EMPTY');
      expect(error.message).toContain('locuslab/famous_biographies.jsonl');
    }
  });

  it('refuses a paper file whose content is another format', async () => {
    const dir = writePaperDir(tempDir(), { 'locuslab/world_facts.json': MEMOTRAP_CSV });
    const error = await rejection(importPaperDatasets(dir));
    expect(error.code).toBe('CPI_IMPORT_INVALID');
    expect(error.message).toContain('holds memotrap data, not locuslab-array');
  });
});

describe('auditFiles', () => {
  it('recognises renamed paper files by their content', async () => {
    const dir = writePaperDir(tempDir(), {
      'facts-copy.json': '\ufeff' + json(WORLD_FACTS),
      'capitals.txt': json(CAPITALS),
      'bios.jsonl': jsonl(BIOGRAPHIES),
      'proverbs.data': MEMOTRAP_CSV,
    });
    const result = await auditFiles(['facts-copy.json', 'capitals.txt', 'bios.jsonl', 'proverbs.data'].map((f) => join(dir, f)));
    expect(result.report.byDataset).toEqual({ 'cf-world-facts': 2, 'cf-capitals': 2, 'cf-bio': 1, memotrap: 1 });
  });

  it('in a folder, audits .json item arrays under any name and skips other .json files', async () => {
    const dir = writePaperDir(tempDir(), { 'copy.json': json(CAPITALS), 'manifest.json': '{"schemaVersion": 1}', 'run-config.json': '{\n  "a": 1\n}\n' });
    const result = await auditFiles([dir]);
    expect(result.files).toEqual([join(dir, 'copy.json')]);
    expect(result.report.byDataset).toEqual({ 'cf-capitals': 2 });
  });

  it('a file with no valid items is CPI_AUDIT_NO_ITEMS naming its first bad lines, never clean', async () => {
    const path = file('bad.jsonl', toJsonl([{ ...item('a'), split: 'sideways' }, { ...item('b'), contextAnswer: '' }]));
    const error = await rejection(auditFiles([path]));
    expect(error.code).toBe('CPI_AUDIT_NO_ITEMS');
    expect(error.message).toContain(`${path}:1 /split`);
    expect(error.message).toContain(`${path}:2 /contextAnswer`);
  });

  it('a file with some invalid lines is not reported clean', async () => {
    const path = file('some-bad.jsonl', toJsonl([item('a'), { ...item('b'), split: 'sideways' }]));
    const result = await auditFiles([path]);
    expect(result.report.unintended).toBe(0);
    expect(result.invalidLines).toHaveLength(1);
    const text = formatAuditReport(result.report, { invalidLines: result.invalidLines.length });
    expect(text).not.toContain('clean');
    expect(text).toContain('1 invalid line left out');
  });

  it('an empty or unrecognisable file is a coded error', async () => {
    expect((await rejection(auditFiles([file('empty.jsonl', '')]))).code).toBe('CPI_IMPORT_EMPTY');
    expect((await rejection(auditFiles([file('notes.txt', 'hello\n')]))).code).toBe('CPI_IMPORT_UNRECOGNISED');
  });

  it('normalises a 1 MB context once per item, not once per alias', async () => {
    const context = 'Zürich und Genève sind Städte. '.repeat(32_000); // ~1 MB, not ASCII: the slow normalisation path
    const aliases = Array.from({ length: 1_000 }, (_, i) => `Ort ${i}`);
    const path = file('long.jsonl', toJsonl([item('long', { context, contextAnswer: 'Bern', contextAliases: aliases })]));
    const started = Date.now();
    const result = await auditFiles([path]);
    expect(Date.now() - started).toBeLessThan(QUICK_MS);
    expect(result.report.findings.map((f) => f.check)).toEqual(['context_answer_missing']);
  });

  it('rejects 10,000 aliases as an invalid line, quickly', async () => {
    const aliases = Array.from({ length: 10_000 }, (_, i) => `Ort ${i}`);
    const path = file('many.jsonl', toJsonl([item('ok'), item('many', { contextAliases: aliases })]));
    const started = Date.now();
    const result = await auditFiles([path]);
    expect(Date.now() - started).toBeLessThan(QUICK_MS);
    expect(result.invalidLines).toEqual([expect.objectContaining({ line: 2, message: expect.stringContaining('must NOT have more than 1000 items') })]);
  });
});
