// Computes queued cells inside a worker's sandboxed process. What is costly is kept between jobs: the
// planned sweep (checkpoints hashed once), the loaded model (the next cell of the same checkpoint reuses
// it) and the worker's own store, RUN_DIR/workers/<host>-<pid>/predictions.jsonl, so workers never share a
// file. A cell delivered twice is computed twice and merged once (io/merge.ts).
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CpiError } from '@cpi-bench/schemas';
import { resolveBatchSize } from '../backend/batch-size.ts';
import { loadOnnxModel } from '../backend/onnx.ts';
import type { LanguageModel } from '../backend/types.ts';
import { modesOf, type RunOptions } from '../config.ts';
import { executionContext, predictChunk } from '../execute.ts';
import { readSweepInputs } from '../sweep-inputs.ts';
import { stableStringify } from '../keys.ts';
import type { CheckpointPlan } from '../plan.ts';
import type { ResolvedCheckpoint } from '../io/checkpoints.ts';
import { acquireRunLock } from '../io/lock.ts';
import { makeRunDir } from '../io/run-folder.ts';
import { openPredictionStore, type PredictionStore } from '../io/store.ts';
import type { CellJobData } from './jobs.ts';

interface Sweep {
  id: string;
  options: RunOptions;
  templateId: string;
  plan: CheckpointPlan[];
}

let sweep: Sweep | undefined;
let loaded: { checkpoint: ResolvedCheckpoint; model: LanguageModel } | undefined;
const stores = new Map<string, PredictionStore>();

/** The sweep's plan, read as runBenchmark reads it (readSweepInputs). */
async function sweepOf(options: RunOptions): Promise<Sweep> {
  const id = stableStringify(options);
  if (sweep?.id === id) return sweep;
  const { template, plan } = await readSweepInputs(options);
  sweep = { id, options, templateId: template.id, plan };
  return sweep;
}

/** This process's store in the sweep folder (created and locked on first use). */
async function storeOf(runDir: string): Promise<PredictionStore> {
  let store = stores.get(runDir);
  if (store) return store;
  const dir = join(runDir, 'workers', `${hostname()}-${process.pid}`);
  await makeRunDir(dir);
  await acquireRunLock(dir); // held until the process ends: a dead worker's lock names a dead pid
  store = (await openPredictionStore(dir, { resume: true })).store;
  stores.set(runDir, store);
  return store;
}

async function modelOf(checkpoint: ResolvedCheckpoint, options: RunOptions): Promise<LanguageModel> {
  if (loaded?.checkpoint.manifest.modelHash === checkpoint.manifest.modelHash && loaded.checkpoint.manifest.path === checkpoint.manifest.path) return loaded.model;
  const previous = loaded;
  loaded = undefined;
  await previous?.model.dispose();
  const model = await loadOnnxModel(checkpoint.files, { device: options.device, threads: options.threads, modes: modesOf(options.mode) });
  loaded = { checkpoint, model };
  return model;
}

export interface CellResult {
  computed: number;
  cached: number;
  failed: number;
  /** Whether the model was already loaded by an earlier job. */
  reusedModel: boolean;
}

/** Computes one cell into this process's store; jobs this worker already stored are skipped. */
export async function runCell(data: CellJobData): Promise<CellResult> {
  const { plan, options, templateId } = await sweepOf(data.options);
  const target = plan[data.cell.checkpoint];
  if (!target || target.checkpoint.manifest.modelHash !== data.modelHash) {
    throw new CpiError('CPI_QUEUE_STALE_JOB', `the checkpoint of step ${data.cell.step} is not the one this job was enqueued for (its weights changed)`, {
      file: target?.checkpoint.manifest.path ?? String(options.checkpoints),
      hint: 'enqueue the sweep again: the new weights get new jobs',
    });
  }
  const store = await storeOf(data.runDir);
  const byMode = target.modes.map(({ mode, jobs }) => ({ mode, jobs: jobs.slice(data.cell.start, data.cell.end).filter((j) => !store.has(j.key)) }));
  const pending = byMode.reduce((n, m) => n + m.jobs.length, 0);
  const cached = (data.cell.end - data.cell.start) * byMode.length - pending;
  if (pending === 0) return { computed: 0, cached, failed: 0, reusedModel: false };
  const reusedModel = loaded?.checkpoint.manifest.modelHash === data.modelHash;
  const model = await modelOf(target.checkpoint, options);
  const m = target.checkpoint.manifest;
  const ctx = executionContext(m, templateId, resolveBatchSize(options.batchSize, target.checkpoint.files, options.device), { maxNewTokens: options.maxNewTokens, stop: [...options.stop] }, store);
  let failed = 0;
  for (const { mode, jobs } of byMode) {
    if (jobs.length === 0) continue;
    const records = await predictChunk(model, ctx, mode, jobs);
    failed += records.filter((r) => !r.ok).length;
    await store.append(records);
  }
  return { computed: pending, cached, failed, reusedModel };
}
