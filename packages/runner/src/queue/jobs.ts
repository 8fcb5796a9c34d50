// What travels through the queue (pure): one job per cell of the sweep (shard.ts) and a parent merge job
// that BullMQ runs once every cell is done (a flow). Job ids are derived from the sweep's content, so
// enqueueing the same sweep twice adds nothing.
import type { FlowJob, JobsOptions } from 'bullmq';
import type { RunOptions } from '../config.ts';
import { shortHash } from '../keys.ts';
import type { Cell } from '../shard.ts';
import type { SweepPlan } from '../io/sweep-plan.ts';

/** A cell to compute: the sweep's options (plain JSON) say how to plan it, the cell which part. */
export interface CellJobData {
  runDir: string;
  options: RunOptions;
  cell: Cell;
  /** The checkpoint the cell was planned for: a worker that finds other weights there refuses the job. */
  modelHash: string;
  cellItems: number;
}

export interface MergeJobData {
  runDir: string;
}

/** Retries of a failed job, with exponential backoff from one second. */
export const JOB_ATTEMPTS = 3;
const RETRY: JobsOptions = { attempts: JOB_ATTEMPTS, backoff: { type: 'exponential', delay: 1_000 } };

/** The id of a sweep: what it computes (every key of its plan), how it is cut, and the run folder it fills. */
export function sweepId(plan: SweepPlan, cellItems: number, runDir: string): string {
  return shortHash([plan.checkpoints.map((c) => c.keys), cellItems, runDir]);
}

/** BullMQ job ids may not contain ':' (its key separator). */
export const cellJobId = (sweep: string, cell: Cell): string => `${sweep}-step${cell.step}-items${cell.start}-${cell.end}`;
export const mergeJobId = (sweep: string): string => `${sweep}-merge`;

/** The flow: a merge job whose children are the cells, in plan order so a worker meets one checkpoint's cells in a row. */
export function sweepFlow(queueName: string, sweep: string, runDir: string, options: RunOptions, plan: SweepPlan, cells: readonly Cell[], cellItems: number): FlowJob {
  return {
    name: 'merge',
    queueName,
    data: { runDir } satisfies MergeJobData,
    opts: { jobId: mergeJobId(sweep), ...RETRY },
    children: cells.map((cell) => ({
      name: 'cell',
      queueName,
      data: { runDir, options, cell, modelHash: plan.checkpoints[cell.checkpoint]!.modelHash, cellItems } satisfies CellJobData,
      // A cell that fails all its attempts leaves the merge to run anyway and report what is missing.
      opts: { jobId: cellJobId(sweep, cell), ...RETRY, ignoreDependencyOnFailure: true },
    })),
  };
}
