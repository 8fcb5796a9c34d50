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
  const t0 = Date.now();
  return {
    start(total) {
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

/** Plain lines: a start line, a line per checkpoint, notices. */
export function plainProgress(write: (line: string) => void): ProgressSink {
  let total = 0;
  let done = 0;
  const t0 = Date.now();
  return {
    start(n) {
      total = n;
      write(`running ${n} jobs (items x modes x checkpoints)`);
    },
    advance(n) {
      done += n;
    },
    checkpointDone(c) {
      const rate = done / Math.max(0.001, (Date.now() - t0) / 1000);
      write(`${checkpointLine(c)} [${done}/${total} jobs, ${rate.toFixed(1)} jobs/s]`);
    },
    notice: write,
    stop() {},
  };
}
