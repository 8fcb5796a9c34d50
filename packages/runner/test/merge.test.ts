// `mergeRun` on what distributed sweeps leave behind: the same key from two parts (a success beats a
// failure, whatever the order), missing cells named by step and mode, and a part of another sweep refused.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJsonl, validate, type PredictionRecord } from '@cpi-bench/schemas';
import { resolveRunOptions } from '../src/config.ts';
import { mergeRun } from '../src/io/merge.ts';
import { runShard } from '../src/run-shard.ts';
import { makeItems, makeSeries, storedRecords, tempDir, writeItems } from './fixtures/checkpoints.ts';

let root: { dir: string; cleanup: () => Promise<void> };
let series: string;
let dataset: string;
beforeAll(async () => {
  root = await tempDir('cpi-merge-');
  series = join(root.dir, 'series');
  await makeSeries(series, [0, 10]);
  dataset = await writeItems(join(root.dir, 'items.jsonl'), makeItems(6));
});
afterAll(() => root.cleanup());

const options = (out: string, data = dataset) => resolveRunOptions({ checkpoints: series, dataset: data, out, device: 'cpu', mode: 'score', batchSize: 4 });

function asFailure(r: PredictionRecord): PredictionRecord {
  const { candidates: _c, generation: _g, ...head } = r as PredictionRecord & { candidates?: unknown; generation?: unknown };
  return validate('predictionRecord', { ...head, ok: false, error: { code: 'CPI_INFERENCE_FAILED', message: 'out of memory' } });
}

describe('mergeRun', () => {
  it('keeps one record per key, a success over a failure from any part, and names what is missing', async () => {
    const out = join(root.dir, 'sweep');
    await runShard(options(out), { index: 0, count: 2 });
    const half = await mergeRun(out);
    expect(half.complete).toBe(false);
    // Shard 0 of 2 holds the first checkpoint's cells: the second is missing, every item of it.
    expect(half.missing).toEqual([{ step: 10, mode: 'score', missing: 6, examples: expect.arrayContaining([expect.stringMatching(/^g-/)]) }]);

    await runShard(options(out), { index: 1, count: 2 });
    const shard0 = join(out, 'shards', 'shard-0-of-2');
    const records = await storedRecords(shard0);
    // A worker that redelivered shard 0's cells and failed on all of them: later in merge order, still loses.
    await mkdir(join(out, 'workers', 'w1'), { recursive: true });
    await writeFile(join(out, 'workers', 'w1', 'predictions.jsonl'), toJsonl(records.map(asFailure)));
    // And a key that only ever failed (in shard 1, which the first merge did not see) is kept as the failure it is.
    const shard1 = join(out, 'shards', 'shard-1-of-2');
    const [onlyFailed, ...rest] = await storedRecords(shard1);
    await writeFile(join(shard1, 'predictions.jsonl'), toJsonl([asFailure(onlyFailed!), ...rest]));

    const full = await mergeRun(out);
    expect(full.complete).toBe(true);
    // Shard 0's keys came three times: in the first merge's predictions.jsonl, in shard 0 and from the worker.
    expect(full.duplicates).toBe(2 * records.length);
    const merged = await storedRecords(out);
    expect(merged).toHaveLength(2 * 6);
    expect(new Set(merged.map((r) => r.key)).size).toBe(merged.length);
    expect(merged.filter((r) => !r.ok).map((r) => r.key)).toEqual([onlyFailed!.key]);
    // The parts are left as they were.
    expect((await storedRecords(join(out, 'workers', 'w1'))).every((r) => !r.ok)).toBe(true);
  });

  it('refuses a part of another sweep (another dataset) rather than mixing it in', async () => {
    const out = join(root.dir, 'mixed');
    await runShard(options(out), { index: 0, count: 2 });
    const other = join(root.dir, 'other');
    await runShard(options(other, await writeItems(join(root.dir, 'other.jsonl'), makeItems(5))), { index: 1, count: 2 });
    await cp(join(other, 'shards', 'shard-1-of-2'), join(out, 'shards', 'shard-1-of-2'), { recursive: true });
    await expect(mergeRun(out)).rejects.toMatchObject({ code: 'CPI_RUN_FOLDER_BOUND', message: expect.stringContaining('shards/shard-1-of-2 is not part of this sweep') });
    expect(await readFile(join(out, 'predictions.jsonl'), 'utf8').catch(() => 'absent')).toBe('absent');
  });
});
