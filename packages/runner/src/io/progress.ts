// Draws a run's progress: one cli-progress bar (jobs/s and time left) with a line per finished checkpoint
// when the stream is a terminal, plain lines otherwise (CI logs, pipes).
import cliProgress from 'cli-progress';
import type { CheckpointDone, ProgressSink } from '../progress.ts';

function checkpointLine(c: CheckpointDone): string {
  const mb = (c.rssBytes / 2 ** 20).toFixed(0);
  return `checkpoint ${c.index}/${c.of} (step ${c.step}): ${c.computed} computed, ${c.cached} cached, ${c.failed} failed in ${c.seconds.toFixed(1)} s; rss ${mb} MB`;
}

/** A progress sink writing to `stream` (normally process.stderr). */
export function terminalProgress(stream: NodeJS.WriteStream): ProgressSink {
  if (!stream.isTTY) return plainProgress((line) => stream.write(line + '\n'));
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: 'run {bar} {percentage}% | {value}/{total} jobs | {rate} jobs/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  let done = 0;
  let t0 = Date.now();
  return {
    // One sink may serve several runs (the default benchmark runs two series): each start counts anew.
    start(total) {
      done = 0;
      t0 = Date.now();
      bar = multi.create(total, 0, { rate: '0.0' });
    },
    advance(n) {
      done += n;
      bar?.update(done, { rate: (done / Math.max(0.001, (Date.now() - t0) / 1000)).toFixed(1) });
    },
    checkpointDone(c) {
      multi.log(checkpointLine(c) + '\n');
    },
    notice(message) {
      if (bar) multi.log(message + '\n');
      else stream.write(message + '\n');
    },
    stop() {
      multi.stop();
    },
  };
}

/** How often piped progress prints a line between checkpoints. @default 5000 ms */
export const PLAIN_PROGRESS_INTERVAL_MS = 5000;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * Plain lines for logs and pipes: a start line, a line per checkpoint, notices, and between them a line at
 * most every `intervalMs` with the rate and the time left (a checkpoint of a big model can take an hour).
 */
export function plainProgress(write: (line: string) => void, o: { intervalMs?: number; now?: () => number } = {}): ProgressSink {
  const now = o.now ?? Date.now;
  const interval = o.intervalMs ?? PLAIN_PROGRESS_INTERVAL_MS;
  let total = 0;
  let done = 0;
  let t0 = now();
  let last = t0;
  const rate = (): number => done / Math.max(0.001, (now() - t0) / 1000);
  return {
    start(n) {
      total = n;
      done = 0;
      t0 = last = now();
      write(`running ${n} jobs (items x modes x checkpoints)`);
    },
    advance(n) {
      done += n;
      if (now() - last < interval || done >= total) return;
      last = now();
      const r = rate();
      write(`progress: ${done}/${total} jobs (${((100 * done) / Math.max(1, total)).toFixed(1)}%), ${r.toFixed(1)} jobs/s, ETA ${duration((total - done) / r)}`);
    },
    checkpointDone(c) {
      last = now();
      write(`${checkpointLine(c)} [${done}/${total} jobs, ${rate().toFixed(1)} jobs/s]`);
    },
    notice: write,
    stop() {},
  };
}
