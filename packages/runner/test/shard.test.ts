// Static shards as a cluster runs them: 4 `npx run benchmark --shard I/4` processes over a real (tiny) series,
// one SIGKILLed mid-run and run again, then `npx run merge`: exactly one record per key, and the same
// inversion-report.json (apart from timings and paths) as one process computing the whole sweep.
import { execFile, spawn } from 'node:child_process';
import { cp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { assignShards, parseShard, type Cell } from '../src/shard.ts';
import { mergeRun } from '../src/io/merge.ts';
import { makeItems, makeSeries, storedRecords, tempDir, writeItems } from './fixtures/checkpoints.ts';
import { comparableReport } from './fixtures/reports.ts';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const SWEEP_TIMEOUT_MS = 120_000;
const exec = promisify(execFile);
describe('--shard I/N', () => {
  it('reads I from the cluster: Slurm arrays counted from their minimum, Kubernetes Indexed Jobs from 0', () => {
    expect(parseShard('2/4', {})).toEqual({ index: 2, count: 4 });
    expect(parseShard('auto/4', { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1' })).toEqual({ index: 2, count: 4 });
    expect(parseShard('auto/4', { SLURM_ARRAY_TASK_ID: '3' })).toEqual({ index: 3, count: 4 });
    expect(parseShard('auto/8', { JOB_COMPLETION_INDEX: '7' })).toEqual({ index: 7, count: 8 });
    for (const [value, env] of [['4/4', {}], ['auto/4', {}], ['1/0', {}], ['x', {}], ['auto/2', { JOB_COMPLETION_INDEX: '2' }]] as const) {
      expect(() => parseShard(value, env)).toThrow(expect.objectContaining({ code: 'CPI_BAD_OPTION' }));
    }
  });

  it('cuts the cells into contiguous runs of about equal cost, each cell in exactly one shard', () => {
    const cells: Cell[] = Array.from({ length: 40 }, (_, i) => ({ checkpoint: Math.floor(i / 10), step: i, start: 0, end: 1, cost: 50 + ((i * 37) % 23) }));
    const total = cells.reduce((n, c) => n + c.cost, 0);
    const biggest = Math.max(...cells.map((c) => c.cost));
    for (const count of [1, 3, 4, 7]) {
      const owner = assignShards(cells, count);
      expect(owner).toEqual(assignShards(cells, count)); // deterministic
      expect([...owner].sort((a, b) => a - b)).toEqual(owner); // contiguous: few checkpoint loads per shard
      for (let s = 0; s < count; s++) {
        const load = cells.filter((_, i) => owner[i] === s).reduce((n, c) => n + c.cost, 0);
        expect(Math.abs(load - total / count)).toBeLessThanOrEqual(biggest);
      }
    }
  });
});

let root: { dir: string; cleanup: () => Promise<void> };
let series: string;
let dataset: string;
beforeAll(async () => {
  root = await tempDir('cpi-shards-');
  series = join(root.dir, 'series');
  await makeSeries(series, [0, 10, 20]);
  dataset = await writeItems(join(root.dir, 'items.jsonl'), makeItems(24));
});
afterAll(() => root.cleanup());

const common = (): string[] => ['--checkpoints', series, '--dataset', dataset, '--device', 'cpu', '--batch-size', '2', '--max-new-tokens', '8', '--threads', '1'];
const size = (file: string): Promise<number> => stat(file).then((s) => s.size, () => 0);

/** Runs shard `index` of 4; with `killAtFirstRecord`, SIGKILLs it as soon as its store holds a record. */
function shard(out: string, index: number, killAtFirstRecord = false): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  const child = spawn(process.execPath, [BIN, 'benchmark', ...common(), '--out', out, '--shard', `${index}/4`, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const store = join(out, 'shards', `shard-${index}-of-4`, 'predictions.jsonl');
  const poll = killAtFirstRecord
    ? setInterval(() => void size(store).then((n) => n > 0 && child.kill('SIGKILL')), 5)
    : undefined;
  return new Promise((done) =>
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      done({ code, signal, stdout });
    }),
  );
}

async function merge(out: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(process.execPath, [BIN, 'merge', out, '--json'], { timeout: SWEEP_TIMEOUT_MS }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('npx run benchmark --shard, then npx run merge', () => {
  it(
    'a bad --shard, a merge of a folder with no sweep and an unreachable queue are coded errors (exit 2)',
    async () => {
      const bad = await exec(process.execPath, [BIN, 'benchmark', ...common(), '--out', join(root.dir, 'bad'), '--shard', '4/4']).catch((e: unknown) => e);
      expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('CPI_BAD_OPTION') });
      const none = await merge(join(root.dir, 'nothing-here'));
      expect(none).toMatchObject({ code: 2, stderr: expect.stringContaining('CPI_MERGE_NO_PLAN') });
      // Port 1 on the loopback: nothing listens there.
      const queue = await exec(process.execPath, [BIN, 'enqueue', '--queue', 'redis://127.0.0.1:1', ...common(), '--out', join(root.dir, 'q')]).catch((e: unknown) => e);
      expect(queue).toMatchObject({ code: 2, stderr: expect.stringContaining('CPI_QUEUE_UNREACHABLE') });
    },
    SWEEP_TIMEOUT_MS,
  );

  it(
    '4 shards, one killed and rerun, merge into one record per key and the single run\'s report',
    async () => {
      // The same folder name on both sides: the run's label comes from it.
      const single = join(root.dir, 'single', 'sweep');
      const sharded = join(root.dir, 'sharded', 'sweep');
      await exec(process.execPath, [BIN, 'benchmark', ...common(), '--out', single, '--json'], { timeout: SWEEP_TIMEOUT_MS });

      const runs = await Promise.all([0, 1, 2, 3].map((i) => shard(sharded, i, i === 1)));
      expect(runs[1]!.signal, 'shard 1 was to be killed mid-run, but it finished first').toBe('SIGKILL');
      for (const i of [0, 2, 3]) expect(runs[i]!.code).toBe(0);

      const early = await merge(sharded);
      expect(early.code).toBe(1);
      expect(early.stderr).toMatch(/prediction\(s\) are missing/);
      expect(early.stderr).toMatch(/step \d+ (score|generate): \d+ item\(s\) missing, e\.g\. g-/);

      const rerun = await shard(sharded, 1);
      expect(rerun.code).toBe(0);
      const resumed = JSON.parse(rerun.stdout) as { run: { jobs: { computed: number; cached: number }; shard: { cells: number } } };
      expect(resumed.run.jobs.cached).toBeGreaterThan(0); // what the killed shard stored is not recomputed
      expect(resumed.run.jobs.computed).toBeGreaterThan(0);

      const done = await merge(sharded);
      expect(done.code, done.stderr).toBe(0);
      const summary = JSON.parse(done.stdout) as { merge: { complete: boolean; parts: string[]; records: number } };
      expect(summary.merge.parts).toEqual(['shards/shard-0-of-4', 'shards/shard-1-of-4', 'shards/shard-2-of-4', 'shards/shard-3-of-4']);

      const keys = (await storedRecords(sharded)).map((r) => r.key);
      const singleKeys = (await storedRecords(single)).map((r) => r.key);
      expect(keys.length).toBe(24 * 3 * 2);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toEqual(singleKeys); // same keys, in the order a single run writes them
      expect(await comparableReport(sharded)).toEqual(await comparableReport(single));

      // At-least-once delivery: the same cells computed twice (a copy of a shard) still merge to one record per key.
      await cp(join(sharded, 'shards', 'shard-0-of-4'), join(sharded, 'workers', 'again'), { recursive: true });
      const twice = await mergeRun(sharded);
      expect(twice.duplicates).toBeGreaterThan(0);
      expect(twice.complete).toBe(true);
      const after = (await storedRecords(sharded)).map((r) => r.key);
      expect(after).toEqual(keys);
    },
    SWEEP_TIMEOUT_MS,
  );
});
