// Issue 16's speed work: `--batch-size auto` (sized from the model and memory, results independent of it)
// and the backend's per-phase profile that bench/runner-sizes.bench.ts prints.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PredictionRecord } from '@cpi-bench/schemas';
import { backendProfile, loadCheckpointSeries, loadOnnxModel, resolveRunOptions, runBenchmark, PHASES } from '../src/index.ts';
import { autoBatchSize, resolveBatchSize } from '../src/backend/batch-size.ts';
import { lengthBatches, MAX_PAD } from '../src/backend/batching.ts';
import { makeCheckpoint, makeItems, storedRecords, tempDir, writeItems } from './fixtures/checkpoints.ts';

let root: { dir: string; cleanup: () => Promise<void> };
let checkpoint: string;
let dataset: string;
beforeAll(async () => {
  root = await tempDir();
  checkpoint = join(root.dir, 'series', 'checkpoint-0');
  await makeCheckpoint(checkpoint, { seed: 3 });
  dataset = await writeItems(join(root.dir, 'items.jsonl'), makeItems(12));
});
afterAll(() => root.cleanup());

const GRAPH = { numLayers: 6, numKeyValueHeads: 8, headDim: 64, vocabSize: 50304, dtype: 'fp32' as const };

describe('--batch-size auto', () => {
  it('is accepted as an option; other words are still refused', () => {
    expect(resolveRunOptions({ checkpoints: 'x', dataset: 'y', out: 'z', batchSize: 'auto' }).batchSize).toBe('auto');
    expect(() => resolveRunOptions({ checkpoints: 'x', dataset: 'y', out: 'z', batchSize: 0 })).toThrow(/batch-size/);
  });

  it('fills the memory it is given, capped at 16 rows on the CPU and 64 on a GPU, never below 1', () => {
    const perRow = (2048 * 50304 * 4 + 2 * 2 * 6 * 8 * 64 * 2048 * 4) * 1.5;
    expect(autoBatchSize({ graph: GRAPH, device: 'cpu', maxTokens: 2048, memoryBytes: 5 * perRow })).toBe(5);
    expect(autoBatchSize({ graph: GRAPH, device: 'cpu', maxTokens: 2048, memoryBytes: 100 * perRow })).toBe(16);
    expect(autoBatchSize({ graph: GRAPH, device: 'cuda', maxTokens: 2048, memoryBytes: 100 * perRow })).toBe(64);
    expect(autoBatchSize({ graph: GRAPH, device: 'cuda', maxTokens: 2048, memoryBytes: 1 })).toBe(1);
    // A smaller vocabulary leaves room for more rows in the same memory.
    expect(autoBatchSize({ graph: { ...GRAPH, vocabSize: 320 }, device: 'cpu', maxTokens: 2048, memoryBytes: 5 * perRow })).toBe(16);
  });

  it('gives the same records as batch size 1 (log-probabilities within 1e-4, equal generations)', async () => {
    const runDirs: string[] = [];
    const run = async (batchSize: number | 'auto', out: string): Promise<PredictionRecord[]> => {
      const summary = await runBenchmark(resolveRunOptions({ checkpoints: join(root.dir, 'series'), dataset, out: join(root.dir, out), device: 'cpu', batchSize, maxNewTokens: 4, mode: 'both' }));
      expect(summary.jobs.failed).toBe(0);
      runDirs.push(summary.runDir);
      const rs = await storedRecords(summary.runDir);
      return rs.sort((a, b) => a.key.localeCompare(b.key));
    };
    const auto = await run('auto', 'auto');
    // One size for the run, from the checkpoint's shape, recorded in run-config.json: the tiny fixture model fits 16 rows.
    expect(JSON.parse(await readFile(join(runDirs[0]!, 'run-config.json'), 'utf8')).batchSize).toBe(16);
    const one = await run(1, 'one');
    expect(auto.map((r) => r.key)).toEqual(one.map((r) => r.key));
    auto.forEach((a, i) => {
      const b = one[i]!;
      expect(a.generation?.text).toEqual(b.generation?.text);
      a.candidates?.forEach((c, j) => expect(Math.abs(c.logprob - b.candidates![j]!.logprob)).toBeLessThan(1e-4));
    });
    const [cp] = await loadCheckpointSeries(checkpoint);
    expect(resolveBatchSize(7, cp!.files, 'cuda')).toBe(7);
    expect(resolveBatchSize('auto', cp!.files, 'cuda')).toBe(64);
  });
});

describe('the backend profile', () => {
  it('is off by default and, when on, attributes a score call to tokenising, feeds, session.run and logits', async () => {
    const [cp] = await loadCheckpointSeries(checkpoint);
    const model = await loadOnnxModel(cp!.files, { device: 'cpu' });
    const requests = [
      { prompt: 'The capital of France is', continuation: ' Paris is here' },
      { prompt: 'Question: capital of Spain?\nAnswer:', continuation: ' Madrid' },
    ];
    try {
      backendProfile.reset();
      await model.scoreContinuations(requests, { batchSize: 2 });
      expect(PHASES.map((p) => backendProfile.ms[p])).toEqual(PHASES.map(() => 0));
      backendProfile.enabled = true;
      await model.scoreContinuations(requests, { batchSize: 2 });
      for (const p of ['tokenise', 'feeds', 'session.run', 'cache', 'logits'] as const) expect(backendProfile.ms[p], p).toBeGreaterThan(0);
    } finally {
      backendProfile.enabled = false;
      backendProfile.reset();
      await model.dispose();
    }
  });
});

describe('length batches', () => {
  it('close at the batch size or where the next row would be padded by more than MAX_PAD of the width', () => {
    const lengths = [400, 390, 310, 300, 120, 100, 95, 94, 93, 92, 91, 20, 19];
    const batches = lengthBatches(lengths, (x) => x, 4);
    expect(batches).toEqual([[400, 390, 310, 300], [120, 100, 95, 94], [93, 92, 91], [20, 19]]);
    for (const b of batches) for (const x of b) expect(x).toBeGreaterThanOrEqual((1 - MAX_PAD) * b[0]!);
    expect(lengthBatches([5, 5, 5], (x) => x, 2, (batch) => batch.length < 1)).toEqual([[5], [5], [5]]);
    expect(lengthBatches([], (x: number) => x, 8)).toEqual([]);
  });
});
