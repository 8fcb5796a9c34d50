// `npx run enqueue`: binds the sweep's run folder (as a run would, computing nothing), writes its plan, and
// adds one BullMQ flow: a job per cell under a merge job. Ids come from the sweep's content, so a second
// enqueue of the same sweep adds nothing.
import { resolve } from 'node:path';
import { FlowProducer, Queue } from 'bullmq';
import type { RunOptions } from '../config.ts';
import type { CheckpointPlan } from '../plan.ts';
import { runBenchmark, type RunDependencies } from '../run.ts';
import { cellItemsFor, planCells } from '../shard.ts';
import { readRunConfig } from '../io/run-folder.ts';
import { identityOf, sweepPlanOf, writeSweepPlan } from '../io/sweep-plan.ts';
import { connectQueue, DEFAULT_QUEUE_NAME } from './connection.ts';
import { mergeJobId, sweepFlow, sweepId } from './jobs.ts';

/** Cells the default cell size aims at per worker machine, for a queue whose worker count is not known. */
const ASSUMED_WORKERS = 8;

export interface EnqueueSummary {
  runDir: string;
  queue: string;
  sweepId: string;
  cells: number;
  cellItems: number;
  /** False when this sweep was enqueued before (its merge job exists): nothing was added. */
  added: boolean;
  /** The merge job's state when it was there already. */
  existingState?: string;
}

export async function enqueueSweep(
  options: RunOptions,
  queueUrl: string,
  settings: { name?: string; cellItems?: number } = {},
  deps: RunDependencies = {},
): Promise<EnqueueSummary> {
  const connection = await connectQueue(queueUrl);
  try {
    let full: CheckpointPlan[] | undefined;
    // A run that selects no job: every input checked, the folder bound and described, nothing computed.
    const run = await runBenchmark(options, {
      ...deps,
      selectJobs: (plan) => {
        full = plan;
        return plan.map((p) => ({ checkpoint: p.checkpoint, modes: p.modes.map(({ mode }) => ({ mode, jobs: [] })) }));
      },
    });
    const runDir = resolve(run.runDir);
    const config = await readRunConfig(runDir);
    const sweepPlan = sweepPlanOf(full!, identityOf(config!));
    await writeSweepPlan(runDir, sweepPlan);
    const cellItems = settings.cellItems ?? cellItemsFor(sweepPlan.items.length, sweepPlan.checkpoints.length, ASSUMED_WORKERS);
    const cells = planCells(full!, cellItems);
    const id = sweepId(sweepPlan, cellItems, runDir);
    const name = settings.name ?? DEFAULT_QUEUE_NAME;
    const summary: EnqueueSummary = { runDir, queue: name, sweepId: id, cells: cells.length, cellItems, added: false };
    const queue = new Queue(name, { connection });
    try {
      const existing = await queue.getJob(mergeJobId(id));
      if (existing) return { ...summary, existingState: await existing.getState() };
    } finally {
      await queue.close();
    }
    const flows = new FlowProducer({ connection });
    try {
      // Absolute paths: a worker runs in another folder, often on another machine that mounts the same ones.
      const checkpoints = typeof options.checkpoints === 'string' ? options.checkpoints.split(',').map((p) => resolve(p.trim())).join(',') : options.checkpoints.map((p) => resolve(p));
      const shared = { ...options, checkpoints, dataset: resolve(options.dataset), out: runDir };
      await flows.add(sweepFlow(name, id, runDir, shared, sweepPlan, cells, cellItems));
    } finally {
      await flows.close();
    }
    return { ...summary, added: true };
  } finally {
    connection.disconnect();
  }
}
