// The BullMQ sandboxed processor: runs in a child process of `npx run worker`, so a long inference call
// cannot keep the worker's main process from renewing the job's lock. The child is reused for the next
// job, and with it the loaded model (cell-executor.ts).
import type { SandboxedJob } from 'bullmq';
import { reportRunDirs } from '@cpi-bench/metrics';
import { describeMissing, mergeRun } from '../io/merge.ts';
import { runCell, type CellResult } from './cell-executor.ts';
import type { CellJobData, MergeJobData } from './jobs.ts';

export default async function processJob(job: SandboxedJob): Promise<CellResult | { records: number; reportFiles: string[] }> {
  if (job.name === 'cell') return runCell(job.data as CellJobData);
  if (job.name === 'merge') {
    const summary = await mergeRun((job.data as MergeJobData).runDir);
    // A failed merge is retried with backoff (a cell may still be on its way back from a dead worker).
    if (!summary.complete) throw new Error(describeMissing(summary));
    const { files } = await reportRunDirs([summary.runDir]);
    return { records: summary.records, reportFiles: files };
  }
  throw new Error(`unknown job ${job.name}`);
}
