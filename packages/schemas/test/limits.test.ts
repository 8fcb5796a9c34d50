// Hostile JSONL: over-long lines, deep nesting, invalid UTF-8, a BOM, huge alias lists. Each is a coded
// issue on its own line (or accepted, for the BOM), never a hang, a stack overflow or U+FFFD items.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { JSONL_MAX_LINE_BYTES, SchemaValidationError, readJsonl, schemaIssues, toJsonl } from '../src/index.ts';
import { validExamples } from './examples.ts';

// Far below the old pairwise uniqueness check (37 s for 100,000 aliases), far above a loaded CI machine's time
// for the linear checks.
const SLOW_MS = 15_000;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cpi-limits-'));
});
const item = (id: string, extra: object = {}) => ({ ...validExamples.conflictItem, id, ...extra });
async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('JSONL reader limits', () => {
  it('reports a line over 16 MiB as CPI_JSONL_LINE_TOO_LONG and reads the lines after it', async () => {
    const huge = JSON.stringify(item('huge', { context: 'x'.repeat(JSONL_MAX_LINE_BYTES) }));
    const path = await file('long.jsonl', toJsonl([item('a')]) + huge + '\n' + toJsonl([item('b')]));
    const result = await readJsonl(path, { schema: 'conflictItem', onInvalid: 'skip' });
    expect(result.records.map((r) => r.line)).toEqual([1, 3]);
    expect(result.issues).toEqual([expect.objectContaining({ line: 2, code: 'CPI_JSONL_LINE_TOO_LONG' })]);
  });

  it('reports JSON nested 100,000 deep as CPI_JSON_TOO_DEEP, quickly', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const path = await file('deep.jsonl', toJsonl([item('a')]) + deep + '\n');
    const started = Date.now();
    const error = await readJsonl(path, { schema: 'conflictItem' }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(SLOW_MS);
    expect(error).toBeInstanceOf(SchemaValidationError);
    expect((error as SchemaValidationError).issues).toEqual([expect.objectContaining({ line: 2, code: 'CPI_JSON_TOO_DEEP' })]);
    expect((error as Error).message).toContain(':2 /: nests arrays or objects deeper than 64 levels');
  });

  it('reports invalid UTF-8 on its line instead of reading U+FFFD', async () => {
    const bad = Buffer.from(JSON.stringify(item('bad', { context: 'Paris#' })).replace('#', '\u0000'));
    bad[bad.indexOf(0)] = 0xff;
    const path = await file('latin.jsonl', Buffer.concat([Buffer.from(toJsonl([item('a')])), bad, Buffer.from('\n')]));
    const result = await readJsonl(path, { schema: 'conflictItem', onInvalid: 'skip' });
    expect(result.records).toHaveLength(1);
    expect(result.issues).toEqual([expect.objectContaining({ line: 2, code: 'CPI_INVALID_UTF8' })]);
  });

  it('accepts a UTF-8 byte-order mark at the start of the file', async () => {
    const path = await file('bom.jsonl', '\ufeff' + toJsonl([item('a'), item('b')]));
    const result = await readJsonl(path, { schema: 'conflictItem' });
    expect(result.records.map((r) => (r.value as { id: string }).id)).toEqual(['a', 'b']);
  });

  it('names a torn last line, also one cut inside a multi-byte character', async () => {
    const whole = Buffer.from(JSON.stringify(item('c', { context: 'Zürich' })));
    const cut = whole.subarray(0, whole.indexOf(Buffer.from('ü')) + 1); // first byte of ü only
    const path = await file('torn.jsonl', Buffer.concat([Buffer.from(toJsonl([item('a')])), cut]));
    const result = await readJsonl(path, { schema: 'conflictItem' });
    expect(result).toMatchObject({ tornLastLine: true, tornLine: 2, issues: [] });
  });

  it('rejects 100,000 aliases by count in well under a second per item (no pairwise uniqueness check)', () => {
    const aliases = Array.from({ length: 100_000 }, (_, i) => `alias ${i}`);
    const started = Date.now();
    const issues = schemaIssues('conflictItem', item('many', { parametricAliases: aliases }));
    expect(Date.now() - started).toBeLessThan(SLOW_MS);
    expect(issues.map((i) => i.message)).toContain('must NOT have more than 1000 items');
  });

  it('rejects an answer over 10,000 characters', () => {
    const issues = schemaIssues('conflictItem', item('long-answer', { contextAnswer: 'Paris'.repeat(2_001) }));
    expect(issues).toEqual([expect.objectContaining({ pointer: '/contextAnswer', message: 'must NOT have more than 10000 characters' })]);
  });
});
