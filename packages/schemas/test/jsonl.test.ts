import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SchemaValidationError, appendJsonl, readJsonl, toJsonl } from '../src/index.ts';
import { validExamples } from './examples.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cpi-jsonl-'));
});

const item = (i: number) => ({ ...validExamples.conflictItem, id: `item-${i}` });
const BAD_LINES = [17, 500, 998];

async function thousandWithThreeBad(torn: boolean): Promise<string> {
  const lines: string[] = [];
  for (let n = 1; n <= 1000; n++) {
    if (n === 17) lines.push('{"schemaVersion": 1, "id": "broken"'); // not JSON
    else if (n === 500) lines.push(JSON.stringify({ ...item(n), split: 'sideways' })); // unknown split
    else if (n === 998) lines.push(JSON.stringify({ ...item(n), contextAnswer: '' })); // empty answer
    else lines.push(JSON.stringify(item(n)));
  }
  let text = lines.join('\n') + '\n';
  if (torn) text += JSON.stringify(item(1001)).slice(0, 40); // a write cut off mid-line
  const file = join(dir, `items-${torn ? 'torn' : 'whole'}.jsonl`);
  await writeFile(file, text);
  return file;
}

describe('readJsonl', () => {
  it('reports every bad line with its line number, and throws by default', async () => {
    const file = await thousandWithThreeBad(false);
    const error = await readJsonl(file, { schema: 'conflictItem' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaValidationError);
    const lines = [...new Set((error as SchemaValidationError).issues.map((i) => i.line))];
    expect(lines).toEqual(BAD_LINES);
    expect((error as SchemaValidationError).issues.every((i) => i.file === file)).toBe(true);
    expect((error as Error).message).toContain(`${file}:500 /split:`);
  });

  it('skips bad lines with a count instead of stopping, and ignores a torn last line', async () => {
    const file = await thousandWithThreeBad(true);
    const result = await readJsonl(file, { schema: 'conflictItem', onInvalid: 'skip' });
    expect(result.records).toHaveLength(997);
    expect(result.skipped).toBe(3);
    expect(result.tornLastLine).toBe(true);
    expect(result.records.at(-1)?.line).toBe(1000);
    expect(result.records.map((r) => r.line)).not.toContain(17);
  });

  it('a torn last line alone is not an error, even in throw mode', async () => {
    const file = join(dir, 'torn-only.jsonl');
    await writeFile(file, toJsonl([item(1), item(2)]) + '{"schemaVersion":1,"id":"it');
    const result = await readJsonl(file, { schema: 'conflictItem' });
    expect(result.records.map((r) => (r.value as { id: string }).id)).toEqual(['item-1', 'item-2']);
    expect(result.tornLastLine).toBe(true);
  });

  it('appendJsonl writes whole lines that read back', async () => {
    const file = join(dir, 'append.jsonl');
    await appendJsonl(file, [item(1)]);
    await appendJsonl(file, [item(2), item(3)]);
    expect((await readFile(file, 'utf8')).split('\n')).toHaveLength(4);
    expect((await readJsonl(file, { schema: 'conflictItem' })).records).toHaveLength(3);
  });

  it('an unreadable file is a CpiError naming the file', async () => {
    await expect(readJsonl(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ code: 'CPI_FILE_UNREADABLE' });
  });
});
