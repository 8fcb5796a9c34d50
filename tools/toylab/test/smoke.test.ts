// CI smoke: a few steps of the tiny configuration through the whole path (world, tokenizer, pretraining
// gate, finetuning, probe, ONNX export, series.json, evaluation items), so the training path cannot rot.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, sha256File } from '@cpi-bench/schemas';
import { benchmarkMeanByStep, parseBenchmarkCsv } from '@cpi-bench/metrics';
import { trainSeries, resolveLabOptions, type TrainSeriesResult } from '../src/index.ts';

const SMOKE = { size: 'tiny', vocabSize: 300, closedBookGate: 0, gateEvery: 3, pretrainMaxSteps: 3, pretrainBatch: 8, steps: 4, batch: 8, checkpointEvery: 2, probeLimit: 5 } as const;
const SMOKE_TIMEOUT_MS = 60_000;

describe('toylab train (tiny smoke run)', () => {
  let root: string;
  let run: TrainSeriesResult;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'toylab-smoke-'));
    run = await trainSeries({ ...SMOKE, seed: 11 }, { seriesDir: join(root, 'series'), evalDir: join(root, 'eval') });
  }, SMOKE_TIMEOUT_MS);
  afterAll(async () => { await rm(root, { recursive: true, force: true }); });

  it('writes checkpoint-<step> folders in the Optimum layout, plus series.json naming the eval set', async () => {
    const entries = (await readdir(join(root, 'series'))).sort();
    expect(entries).toEqual(['benchmarks.csv', 'checkpoint-0', 'checkpoint-2', 'checkpoint-4', 'curve.csv', 'curve.svg', 'lab-run.json', 'series.json']);
    const files = (await readdir(join(root, 'series', 'checkpoint-4'))).sort();
    expect(files).toEqual(['config.json', 'generation_config.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    const config = JSON.parse(await readFile(join(root, 'series', 'checkpoint-4', 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config['model_type']).toBe('gpt2');
    expect(config['cpi_step']).toBe(4);
    const series = JSON.parse(await readFile(join(root, 'series', 'series.json'), 'utf8')) as Record<string, unknown>;
    expect(series).toMatchObject({ schemaVersion: 1, dataset: '../eval', template: 'plain' });
    expect(run.curve.map((p) => p.step)).toEqual([0, 2, 4]);
  });

  it('writes the probe\'s in-distribution accuracy per step as benchmark scores metrics reads, and a held-out loss', async () => {
    const file = join(root, 'series', 'benchmarks.csv');
    const scores = parseBenchmarkCsv(await readFile(file, 'utf8'), file);
    const byStep = benchmarkMeanByStep(scores);
    expect([...byStep.keys()]).toEqual([0, 2, 4]);
    for (const p of run.curve) {
      expect(byStep.get(p.step)).toBeCloseTo((p.aligned + p.unknownContext) / 2, 4);
      expect(Number.isFinite(p.heldOutLoss) && p.heldOutLoss > 0).toBe(true);
    }
  });

  it('writes valid evaluation items of all four splits with a manifest', async () => {
    const { records, issues } = await readJsonl(join(root, 'eval', 'toy-capitals.jsonl'), { schema: 'conflictItem' });
    expect(issues).toEqual([]);
    const values = records.map((r) => r.value);
    expect(new Set(values.map((v) => v.split))).toEqual(new Set(['conflict', 'aligned', 'closed_book', 'unknown_subject']));
    const conflict = values.find((v) => v.split === 'conflict')!;
    expect(conflict.context).toBe(`The capital of ${conflict.question!.replace('What is the capital of ', '').replace('?', '')} is ${conflict.contextAnswer}.`);
    expect(conflict.contextAnswer).not.toBe(conflict.parametricAnswer);
    const manifest = JSON.parse(await readFile(join(root, 'eval', 'manifest.json'), 'utf8')) as { counts: { total: number } };
    expect(manifest.counts.total).toBe(values.length);
  });

  it('exports checkpoints that onnxruntime loads, and is deterministic for a seed', async () => {
    const session = await ort.InferenceSession.create(join(root, 'series', 'checkpoint-4', 'model.onnx'));
    expect(session.inputNames).toContain('past_key_values.0.key');
    await session.release();
    const again = await trainSeries({ ...SMOKE, seed: 11 }, { seriesDir: join(root, 'series2'), evalDir: join(root, 'eval2') });
    expect(await sha256File(join(root, 'series2', 'checkpoint-4', 'model.onnx'))).toBe(await sha256File(join(root, 'series', 'checkpoint-4', 'model.onnx')));
    expect(again.curve).toEqual(run.curve);
  }, SMOKE_TIMEOUT_MS);

  it('rejects bad options with CPI_TOYLAB_BAD_OPTION naming the option', () => {
    expect(() => resolveLabOptions({ nonContextCriticalShare: 0.8, counterfactualShare: 0.3 })).toThrow(expect.objectContaining({ code: 'CPI_TOYLAB_BAD_OPTION', pointer: '/nonContextCriticalShare' }));
    expect(() => resolveLabOptions({ steps: 0 })).toThrow(/steps must be a positive integer/);
  });
});
