// `npx run losses`: per-example target losses with and without the context, for `npx mitigate context-critical`.
import { parseFormatOption } from '@cpi-bench/mitigations';
import { CpiError } from '@cpi-bench/schemas';
import { computeLosses } from '../losses.ts';
import type { DeviceChoice } from '../backend/types.ts';

export interface LossesFlags {
  checkpoint: string;
  data: string;
  out: string;
  batchSize?: string;
  device?: DeviceChoice;
  threads?: string;
  format: string;
  template?: string;
  json?: boolean;
}

const positiveInt = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CpiError('CPI_INVALID_OPTION', `--${name} must be a positive integer, got ${v}`);
  return n;
};

export async function losses(flags: LossesFlags, io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): Promise<void> {
  const say = (line: string): void => void io.stderr.write(line + '\n');
  let last = 0;
  const summary = await computeLosses({
    checkpoint: flags.checkpoint,
    data: flags.data,
    out: flags.out,
    batchSize: positiveInt('batch-size', flags.batchSize),
    threads: positiveInt('threads', flags.threads),
    device: flags.device,
    format: parseFormatOption(flags.format),
    template: flags.template,
    onNotice: say,
    onProgress: flags.json ? undefined : (done) => {
      if (done - last >= 1000) (last = done), say(`${done} examples`);
    },
  });
  if (flags.json) {
    io.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }
  io.stdout.write(`${summary.examples} examples: ${summary.computed} computed, ${summary.cached} already done, ${summary.failed} failed, on ${summary.device ?? 'no device (all done)'} in ${summary.seconds.toFixed(1)} s -> ${summary.out}\n`);
}
