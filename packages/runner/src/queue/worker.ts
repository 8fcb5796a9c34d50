// `npx run worker`: pulls cells from the queue and computes them in a sandboxed child process (processor.ts).
// A job whose worker dies is not renewed; after `lockMs` another worker's stall check puts it back.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Queue, Worker, type Job } from 'bullmq';
import { CpiError } from '@cpi-bench/schemas';
import { connectQueue, DEFAULT_QUEUE_NAME } from './connection.ts';
import { JOB_ATTEMPTS } from './jobs.ts';

export interface WorkerSettings {
  name?: string;
  /** Jobs at once (each in its own child process). @default 1 */
  concurrency?: number;
  /** How long a job's lock lives without renewal, and how often stalled jobs are looked for. @default 30000 */
  lockMs?: number;
  /** Stop once the queue has nothing waiting, running, delayed or waiting for children. @default false */
  exitWhenDrained?: boolean;
  onEvent?: (line: string) => void;
}

export interface RunningWorker {
  /** Resolves when the worker has stopped (drained, or closed). */
  done: Promise<{ completed: number; failed: number }>;
  close(): Promise<void>;
}

const DRAIN_POLL_MS = 500;
const BUSY_STATES = ['active', 'waiting', 'delayed', 'prioritized', 'waiting-children', 'paused'] as const;

/** The built processor next to this file (the sandbox forks plain Node, which cannot run the .ts source). */
function processorFile(): string {
  const file = fileURLToPath(new URL('./processor.js', import.meta.url));
  if (!existsSync(file)) {
    throw new CpiError('CPI_QUEUE_NOT_BUILT', `${file} is missing: the queue worker runs the built JavaScript`, { hint: 'run `npm run build` at the repository root' });
  }
  return file;
}

export async function startWorker(queueUrl: string, settings: WorkerSettings = {}): Promise<RunningWorker> {
  const connection = await connectQueue(queueUrl);
  const name = settings.name ?? DEFAULT_QUEUE_NAME;
  const lockMs = settings.lockMs ?? 30_000;
  const say = settings.onEvent ?? (() => undefined);
  const worker = new Worker(name, processorFile(), {
    connection,
    concurrency: settings.concurrency ?? 1,
    useWorkerThreads: false,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: JOB_ATTEMPTS,
  });
  let completed = 0;
  let failed = 0;
  // Said when a job is taken (its lock held): what a watcher needs to know a worker is mid-job.
  worker.on('active', (job: Job) => say(`active ${job.id}`));
  worker.on('completed', (job: Job) => {
    completed++;
    say(`done ${job.id}: ${JSON.stringify(job.returnvalue)}`);
  });
  worker.on('failed', (job: Job | undefined, error: Error) => {
    failed++;
    say(`failed ${job?.id ?? '?'} (attempt ${job?.attemptsMade ?? '?'}): ${error.message.split('\n')[0]}`);
  });
  worker.on('error', (error: Error) => say(`worker error: ${error.message}`));
  const queue = new Queue(name, { connection });
  let timer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      clearInterval(timer);
      await worker.close();
      await queue.close();
      connection.disconnect();
    })());
  const done = new Promise<{ completed: number; failed: number }>((resolveDone) => {
    worker.on('closed', () => resolveDone({ completed, failed }));
  });
  if (settings.exitWhenDrained) {
    timer = setInterval(() => {
      void queue.getJobCounts(...BUSY_STATES).then((counts) => {
        if (Object.values(counts).every((n) => n === 0)) void close();
      }, () => undefined);
    }, DRAIN_POLL_MS);
  }
  return { done, close };
}
