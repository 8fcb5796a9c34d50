// Bad options and a hand-broken series.json are the user's to fix: exit 2 with a CPI_ code, never the
// option parser's exit 1 or an internal error's 70.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveDefaultRun } from '../src/io/default-series.ts';
import { makeItems, makeSeries, tempDir } from './fixtures/checkpoints.ts';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const CLI_TIMEOUT_MS = 60_000;

describe('npx run, bad input', () => {
  it('option-parser errors exit 2 with CPI_USAGE', () => {
    for (const args of [['benchmark', '--mode', 'sideways'], ['benchmark', '--bogus'], ['benchmark', '--out'], ['report'], ['nonsense']]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('run: error CPI_USAGE: ');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a malformed default series.json is CPI_SERIES_INVALID naming the file', async () => {
    const root = await tempDir();
    try {
      const series = join(root.dir, 'datasets/toy-series');
      await mkdir(series, { recursive: true });
      for (const text of ['{"dataset": "../toy-eval",', '[1, 2]']) {
        await writeFile(join(series, 'series.json'), text);
        await expect(resolveDefaultRun(root.dir)).rejects.toMatchObject({ code: 'CPI_SERIES_INVALID', file: join(series, 'series.json') });
      }
    } finally {
      await root.cleanup();
    }
  });

  it('a dataset without one valid item is an error naming the file and its bad lines, not an empty run', async () => {
    const root = await tempDir();
    try {
      const series = join(root.dir, 'series');
      await makeSeries(series, [0]);
      const [good] = makeItems(1);
      const dataset = join(root.dir, 'bad.jsonl');
      // One invalid item, then a last line cut off mid-write (which alone used to read as "no items").
      await writeFile(dataset, JSON.stringify({ ...good, split: 'sideways' }) + '\n' + JSON.stringify(good).slice(0, 50));
      const r = spawnSync(process.execPath, [BIN, 'benchmark', '--checkpoints', series, '--dataset', dataset, '--out', join(root.dir, 'out'), '--device', 'cpu', '--mode', 'score'], {
        encoding: 'utf8',
        timeout: CLI_TIMEOUT_MS,
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('CPI_SCHEMA_INVALID');
      expect(r.stderr).toContain(`${dataset}:1 /split`);
      expect(r.stderr).toContain(`${dataset}:2 /: is cut off`);
    } finally {
      await root.cleanup();
    }
  });
});
