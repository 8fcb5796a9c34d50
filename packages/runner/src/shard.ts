// Distribution of a sweep (pure): the plan cut into cells of (checkpoint x item chunk), the cost of each,
// and a deterministic partition of the cells among N shards. Static shards (Slurm arrays, Kubernetes
// Indexed Jobs) and the work queue (queue/) both hand out these cells; the store's content keys make a
// cell computed twice harmless.
import { CpiError } from '@cpi-bench/schemas';
import type { CheckpointPlan, Job } from './plan.ts';

/** Shard `index` (0-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** One unit of distributed work: items [start, end) of one checkpoint, in every mode of the run. */
export interface Cell {
  /** Index of the checkpoint in the plan. */
  checkpoint: number;
  step: number;
  start: number;
  end: number;
  /** Estimated work: see jobCost. */
  cost: number;
}

/** Most items per cell: small enough to lose little to a kill, large enough to batch well. */
export const MAX_CELL_ITEMS = 64;
/** Cells per shard the default cell size aims at, so that the cut between shards can balance their cost. */
const CELLS_PER_SHARD = 8;

/** The default cell size of a sweep over `items` x `checkpoints` cut `count` ways. */
export function cellItemsFor(items: number, checkpoints: number, count: number): number {
  return Math.max(1, Math.min(MAX_CELL_ITEMS, Math.ceil((items * checkpoints) / (count * CELLS_PER_SHARD))));
}

/** The environment variables `--shard auto/N` reads the index from, in order, and where each counts from. */
const INDEX_VARIABLES = [
  { name: 'SLURM_ARRAY_TASK_ID', base: 'SLURM_ARRAY_TASK_MIN' }, // `--array=1-4` starts at 1: count from the array's minimum
  { name: 'JOB_COMPLETION_INDEX', base: undefined }, // Kubernetes Indexed Jobs count from 0
] as const;

const badShard = (value: string, why: string): CpiError =>
  new CpiError('CPI_BAD_OPTION', `--shard ${value}: ${why}`, {
    hint: 'pass --shard I/N with 0 <= I < N (e.g. --shard 0/4), or --shard auto/N inside a Slurm array or a Kubernetes Indexed Job',
  });

/**
 * Parses `--shard I/N` (I counts from 0) or `--shard auto/N`, which takes I from SLURM_ARRAY_TASK_ID (minus
 * SLURM_ARRAY_TASK_MIN) or JOB_COMPLETION_INDEX in `env`.
 * @example parseShard('auto/4', { JOB_COMPLETION_INDEX: '2' }) // { index: 2, count: 4 }
 */
export function parseShard(value: string, env: Readonly<Record<string, string | undefined>>): ShardSpec {
  const match = /^\s*(auto|\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!match) throw badShard(value, 'expected I/N or auto/N');
  const count = Number(match[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw badShard(value, 'N must be a positive integer');
  let index: number;
  if (match[1] === 'auto') {
    const found = INDEX_VARIABLES.find((v) => env[v.name] !== undefined && env[v.name] !== '');
    if (!found) throw badShard(value, `auto needs ${INDEX_VARIABLES.map((v) => v.name).join(' or ')} in the environment, and neither is set`);
    const raw = Number(env[found.name]);
    const base = found.base !== undefined && env[found.base] !== undefined ? Number(env[found.base]) : 0;
    index = raw - base;
    if (!Number.isInteger(raw) || !Number.isInteger(base)) throw badShard(value, `${found.name}=${env[found.name]} is not an integer`);
  } else {
    index = Number(match[1]);
  }
  if (index < 0 || index >= count) throw badShard(value, `the shard index ${index} is not in 0..${count - 1}`);
  return { index, count };
}

/** A shard's folder name under RUN_DIR/shards/. */
export function shardName(spec: ShardSpec): string {
  return `shard-${spec.index}-of-${spec.count}`;
}

/**
 * The work of one job, in characters run through the model: the prompt once per scored continuation (each
 * is a forward pass over prompt + continuation), or the prompt plus about four characters per new token.
 */
export function jobCost(job: Job): number {
  const r = job.request;
  if (r.prompt === null) return 1;
  if (r.mode === 'score') return r.continuations.reduce((n, c) => n + r.prompt.length + c.length, 0);
  return r.prompt.length + 4 * r.maxNewTokens;
}

/** The cells of a plan, checkpoint by checkpoint, `cellItems` items each (the last of a checkpoint may be shorter). */
export function planCells(plan: readonly CheckpointPlan[], cellItems: number): Cell[] {
  if (!Number.isInteger(cellItems) || cellItems < 1) throw new CpiError('CPI_BAD_OPTION', `--cell-items must be a positive integer, got ${cellItems}`);
  const cells: Cell[] = [];
  plan.forEach((p, checkpoint) => {
    const items = p.modes[0]?.jobs.length ?? 0;
    for (let start = 0; start < items; start += cellItems) {
      const end = Math.min(items, start + cellItems);
      let cost = 0;
      for (const { jobs } of p.modes) for (let i = start; i < end; i++) cost += jobCost(jobs[i]!);
      cells.push({ checkpoint, step: p.checkpoint.manifest.step, start, end, cost });
    }
  });
  return cells;
}

/**
 * The shard of each cell. The cells stay in plan order and are cut into `count` contiguous runs of about
 * equal cost (a cell goes where the middle of its cost falls), so a shard loads few checkpoints and no
 * shard carries more than its share plus one cell. Deterministic: every shard computes the same answer.
 */
export function assignShards(cells: readonly Cell[], count: number): number[] {
  const total = cells.reduce((n, c) => n + c.cost, 0);
  let before = 0;
  return cells.map((c) => {
    const middle = before + c.cost / 2;
    before += c.cost;
    return total === 0 ? 0 : Math.min(count - 1, Math.floor((middle / total) * count));
  });
}

/** The plan restricted to some cells: every checkpoint stays, in order, with only those cells' jobs. */
export function selectCells(plan: readonly CheckpointPlan[], cells: readonly Cell[]): CheckpointPlan[] {
  return plan.map((p, checkpoint) => {
    const mine = cells.filter((c) => c.checkpoint === checkpoint);
    return { checkpoint: p.checkpoint, modes: p.modes.map(({ mode, jobs }) => ({ mode, jobs: mine.flatMap((c) => jobs.slice(c.start, c.end)) })) };
  });
}

/** The part of the plan that shard `spec` computes. */
export function shardPlan(plan: readonly CheckpointPlan[], spec: ShardSpec, cellItems?: number): { plan: CheckpointPlan[]; cells: Cell[] } {
  const items = plan[0]?.modes[0]?.jobs.length ?? 0;
  const cells = planCells(plan, cellItems ?? cellItemsFor(items, plan.length, spec.count));
  const owner = assignShards(cells, spec.count);
  const mine = cells.filter((_, i) => owner[i] === spec.index);
  return { plan: selectCells(plan, mine), cells: mine };
}
