import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256, toJsonl, type ConflictItem } from '@cpi-bench/schemas';
import { readDataset } from '../src/index.ts';

function item(id: string, split: ConflictItem['split']): ConflictItem {
  const base = { schemaVersion: 1 as const, id, dataset: 'd', category: 'c', split, question: `Q ${id}?`, provenance: { source: 'test' } };
  if (split === 'closed_book') return { ...base, parametricAnswer: 'P' };
  if (split === 'unknown_subject') return { ...base, context: 'ctx', contextAnswer: 'C' };
  return { ...base, context: 'ctx C', contextAnswer: 'C', parametricAnswer: 'P' };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'cpi-read-'));
}

describe('readDataset', () => {
  it('reads a folder recursively, in sorted path order, ignoring manifest.json, CSV and dot-files', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'b.jsonl'), toJsonl([item('b1', 'conflict'), item('b2', 'closed_book')]));
    writeFileSync(join(dir, 'a.jsonl'), toJsonl([item('a1', 'aligned')]));
    writeFileSync(join(dir, 'sub', 'c.jsonl'), toJsonl([item('c1', 'unknown_subject')]));
    writeFileSync(join(dir, 'manifest.json'), '{"not": "items"}\n');
    writeFileSync(join(dir, 'a.csv'), 'id\nz\n');
    writeFileSync(join(dir, '.a.jsonl.123.tmp.jsonl'), 'garbage\n');
    const ds = await readDataset(dir);
    expect(ds.files.map((f) => f.slice(dir.length + 1))).toEqual(['a.jsonl', 'b.jsonl', 'sub/c.jsonl']);
    expect(ds.items.map((i) => i.id)).toEqual(['a1', 'b1', 'b2', 'c1']);
    const concatenated = ds.files.map((f) => readFileSync(f, 'utf8')).join('');
    expect(ds.sha256).toBe(sha256(concatenated));
    expect(ds.skipped).toBe(0);
  });

  it('reads a single file and filters by split', async () => {
    const dir = tempDir();
    const file = join(dir, 'x.jsonl');
    writeFileSync(file, toJsonl([item('1', 'conflict'), item('2', 'closed_book'), item('3', 'aligned')]));
    const ds = await readDataset(file, { splits: ['conflict', 'aligned'] });
    expect(ds.items.map((i) => i.id)).toEqual(['1', '3']);
    expect(ds.files).toEqual([file]);
    expect(ds.sha256).toBe(sha256(readFileSync(file)));
  });

  it('names the file and line of a bad item, or skips it on request', async () => {
    const dir = tempDir();
    const file = join(dir, 'x.jsonl');
    const bad = { ...item('2', 'conflict'), contextAnswer: undefined };
    writeFileSync(file, toJsonl([item('1', 'conflict'), bad, item('3', 'conflict')]) + 'not json\n');
    const error = await readDataset(file).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CPI_SCHEMA_INVALID' });
    expect(String((error as Error).message)).toContain(`${file}:2`);
    expect(String((error as Error).message)).toContain(`${file}:4`);
    const ds = await readDataset(file, { onInvalid: 'skip' });
    expect(ds.items.map((i) => i.id)).toEqual(['1', '3']);
    expect(ds.skipped).toBe(2);
  });

  it('throws CPI_DATASET_EMPTY when the filter leaves nothing, CPI_DATASET_NOT_FOUND for a missing path', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.jsonl'), toJsonl([item('1', 'conflict')]));
    await expect(readDataset(dir, { splits: ['closed_book'] })).rejects.toMatchObject({ code: 'CPI_DATASET_EMPTY' });
    await expect(readDataset(join(dir, 'empty-folder-that-is-not-there'))).rejects.toMatchObject({ code: 'CPI_DATASET_NOT_FOUND' });
    mkdirSync(join(dir, 'empty'));
    await expect(readDataset(join(dir, 'empty'))).rejects.toMatchObject({ code: 'CPI_DATASET_EMPTY' });
  });
});
