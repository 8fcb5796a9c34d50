import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256, sha256File, writeDirAtomic, writeJsonAtomic } from '../src/index.ts';

describe('atomic writes', () => {
  it('writeJsonAtomic replaces the file and leaves no temporary files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cpi-atomic-'));
    const file = join(dir, 'a.json');
    await writeJsonAtomic(file, { v: 1 });
    await writeJsonAtomic(file, { v: 2 });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ v: 2 });
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('writeDirAtomic keeps the old folder when building the new one fails', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cpi-atomic-'));
    const out = join(root, 'suite');
    await writeDirAtomic(out, async (tmp) => writeFile(join(tmp, 'x.txt'), 'old'));
    await expect(writeDirAtomic(out, async (tmp) => {
      await writeFile(join(tmp, 'x.txt'), 'half');
      throw new Error('disk full');
    })).rejects.toThrow('disk full');
    expect(await readFile(join(out, 'x.txt'), 'utf8')).toBe('old');
    expect(await readdir(root)).toEqual(['suite']);
    await writeDirAtomic(out, async (tmp) => writeFile(join(tmp, 'y.txt'), 'new'));
    expect(await readdir(out)).toEqual(['y.txt']);
  });

  it('sha256File streams to the same digest as sha256 of the bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cpi-hash-'));
    const bytes = Buffer.alloc(3 << 20, 7);
    await writeFile(join(dir, 'w.bin'), bytes);
    expect(await sha256File(join(dir, 'w.bin'))).toBe(sha256(bytes));
  });
});

describe('mulberry32', () => {
  it('gives the same stream for a seed on every machine (committed outputs depend on it)', async () => {
    const { mulberry32 } = await import('../src/index.ts');
    const next = mulberry32(42);
    expect([next(), next()]).toEqual([0.6011037519201636, 0.44829055899754167]);
    const values = Array.from({ length: 10_000 }, mulberry32(7));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((s, v) => s + v, 0) / values.length).toBeCloseTo(0.5, 1);
  });
});

describe('describeCliError', () => {
  it('gives a CpiError one line with its code and exit 2, and a bug its stack and exit 70', async () => {
    const { CpiError, describeCliError } = await import('../src/index.ts');
    const user = describeCliError('run', new CpiError('CPI_DATASET_EMPTY', 'no items left', { file: 'd.jsonl' }));
    expect(user).toEqual({ message: 'run: error CPI_DATASET_EMPTY: d.jsonl: no items left', exitCode: 2 });
    const bug = describeCliError('run', new TypeError('x is undefined'));
    expect(bug.exitCode).toBe(70);
    expect(bug.message).toMatch(/^run: internal error \(please report it\): TypeError: x is undefined\n\s+at /);
  });
});
