// `npx run enqueue` and `npx run worker`: the work queue on BullMQ (queue/).
import { resolveRunOptions } from '../config.ts';
import type { BenchmarkFlags } from './benchmark.ts';
import { numberFlag, sweepFlagOptions, type SweepFlags } from './benchmark-spec.ts';
import { enqueueSweep } from '../queue/enqueue.ts';
import { startWorker } from '../queue/worker.ts';
import { CpiError } from '@cpi-bench/schemas';

/** `run enqueue` takes the run options `benchmark` takes (one sweep definition), plus the queue's own. */
export type EnqueueFlags = SweepFlags & Pick<BenchmarkFlags, 'json'> & { queue: string; name?: string; checkpoints: string; dataset: string; out: string; cellItems?: string };

function positive(name: string, value: string | undefined): number | undefined {
  const n = numberFlag(name, value);
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new CpiError('CPI_BAD_OPTION', `--${name} must be a positive integer, got ${value}`);
  return n;
}

export async function enqueue(flags: EnqueueFlags, io: { stdout: NodeJS.WriteStream }): Promise<void> {
  const options = resolveRunOptions({ checkpoints: flags.checkpoints, dataset: flags.dataset, out: flags.out, ...sweepFlagOptions(flags) });
  const cellItems = positive('cell-items', flags.cellItems);
  const summary = await enqueueSweep(options, flags.queue, { ...(flags.name ? { name: flags.name } : {}), ...(cellItems ? { cellItems } : {}) });
  if (flags.json) {
    io.stdout.write(JSON.stringify({ enqueue: summary }) + '\n');
    return;
  }
  io.stdout.write(
    summary.added
      ? `enqueued sweep ${summary.sweepId}: ${summary.cells} cell job(s) of ${summary.cellItems} item(s) and a merge job on queue ${summary.queue}\n`
      : `sweep ${summary.sweepId} is already on queue ${summary.queue} (its merge job is ${summary.existingState}); nothing added\n`,
  );
  io.stdout.write(`run folder: ${summary.runDir}\nstart workers on each machine: npx run worker --queue ${flags.queue}\n`);
}

export async function worker(
  flags: { queue: string; name?: string; concurrency?: string; lockMs?: string; exitWhenDrained?: boolean },
  io: { stderr: NodeJS.WriteStream },
): Promise<void> {
  const lockMs = positive('lock-ms', flags.lockMs);
  const concurrency = positive('concurrency', flags.concurrency);
  const say = (line: string): void => void io.stderr.write(line + '\n');
  const running = await startWorker(flags.queue, {
    ...(flags.name ? { name: flags.name } : {}),
    ...(lockMs ? { lockMs } : {}),
    ...(concurrency ? { concurrency } : {}),
    exitWhenDrained: flags.exitWhenDrained ?? false,
    onEvent: say,
  });
  // A graceful stop lets the running job finish (or return to the queue); a second signal is not waited for.
  const stop = (): void => void running.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const { completed, failed } = await running.done;
  say(`worker stopped: ${completed} job(s) done, ${failed} failed`);
}
