// RUN_DIR/shards/plan.json: every key a distributed sweep must compute, written by each shard (and by
// `run enqueue`) so that `run merge` can say which cells are missing without loading a checkpoint. Every
// writer computes the same plan, so concurrent atomic writes of it are harmless.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asFsCpiError, CpiError, writeJsonAtomic, type RunConfig } from '@cpi-bench/schemas';
import type { CheckpointPlan } from '../plan.ts';
import type { RunIdentity } from './run-folder.ts';

export const SWEEP_PLAN_VERSION = 1;

/** What a distributed sweep computes. Keys are aligned with `items` (one per item, per mode, per checkpoint). */
export interface SweepPlan {
  schemaVersion: typeof SWEEP_PLAN_VERSION;
  identity: RunIdentity;
  items: string[];
  modes: ('score' | 'generate')[];
  checkpoints: { step: number; path: string; modelHash: string; keys: { mode: 'score' | 'generate'; keys: string[] }[] }[];
}

export const shardsDir = (runDir: string): string => join(runDir, 'shards');
export const sweepPlanFile = (runDir: string): string => join(shardsDir(runDir), 'plan.json');

/** The identity a run folder's run-config.json binds (what bindingConflict compares). */
export function identityOf(config: RunConfig): RunIdentity {
  return {
    series: config.series ?? { paths: [], sha256: '' },
    dataset: { path: config.dataset.path, sha256: config.dataset.sha256 },
    template: config.template,
    mode: config.mode,
    splits: [...config.splits],
    maxNewTokens: config.maxNewTokens,
    stop: [...(config.stop ?? [])],
  };
}

export function sweepPlanOf(plan: readonly CheckpointPlan[], identity: RunIdentity): SweepPlan {
  const first = plan[0];
  return {
    schemaVersion: SWEEP_PLAN_VERSION,
    identity,
    items: first?.modes[0]?.jobs.map((j) => j.item.id) ?? [],
    modes: first?.modes.map((m) => m.mode) ?? [],
    checkpoints: plan.map((p) => ({
      step: p.checkpoint.manifest.step,
      path: p.checkpoint.manifest.path,
      modelHash: p.checkpoint.manifest.modelHash,
      keys: p.modes.map(({ mode, jobs }) => ({ mode, keys: jobs.map((j) => j.key) })),
    })),
  };
}

export async function writeSweepPlan(runDir: string, plan: SweepPlan): Promise<void> {
  try {
    await mkdir(shardsDir(runDir), { recursive: true });
    await writeJsonAtomic(sweepPlanFile(runDir), plan);
  } catch (error) {
    throw asFsCpiError(error, sweepPlanFile(runDir));
  }
}

/** The sweep plan of a run folder, or CPI_MERGE_NO_PLAN when no shard or enqueue has written one. */
export async function readSweepPlan(runDir: string): Promise<SweepPlan> {
  const file = sweepPlanFile(runDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw asFsCpiError(error, file);
    throw new CpiError('CPI_MERGE_NO_PLAN', `${runDir} has no distributed sweep to merge (no shards/plan.json)`, {
      file,
      hint: 'run `npx run benchmark --shard I/N --out RUN_DIR` (or `npx run enqueue`) first: every shard writes the plan when it finishes',
    });
  }
  let plan: SweepPlan;
  try {
    plan = JSON.parse(text) as SweepPlan;
  } catch (error) {
    throw new CpiError('CPI_MERGE_NO_PLAN', `is not valid JSON (${(error as Error).message})`, { file, hint: 'rerun any one shard: it writes the plan again', cause: error });
  }
  // Hand-checked rather than a schema in @cpi-bench/schemas: an internal file of this runner, rewritten by any shard.
  if (plan.schemaVersion !== SWEEP_PLAN_VERSION || !Array.isArray(plan.items) || !Array.isArray(plan.checkpoints) || !plan.identity) {
    throw new CpiError('CPI_MERGE_NO_PLAN', `is not a sweep plan of version ${SWEEP_PLAN_VERSION}`, { file, hint: 'rerun any one shard: it writes the plan again' });
  }
  return plan;
}
