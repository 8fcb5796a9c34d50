// `npx run benchmark --shard I/N`: one shard of a sweep; the report waits for `npx run merge`.
import type { RunOptions } from '../config.ts';
import type { RunDependencies } from '../run.ts';
import { runShard } from '../run-shard.ts';
import { parseShard } from '../shard.ts';

export async function benchmarkShard(
  options: RunOptions,
  shard: string,
  deps: RunDependencies,
  flags: { json?: boolean },
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): Promise<void> {
  // The one place the shard index is read from the environment (Slurm, Kubernetes).
  const spec = parseShard(shard, process.env);
  const summary = await runShard(options, spec, deps);
  if (flags.json) {
    io.stdout.write(JSON.stringify({ run: summary }) + '\n');
    return;
  }
  const s = summary.shard;
  io.stdout.write(
    `shard ${s.index} of ${s.count} (${s.cells} cell(s)): ${summary.jobs.computed} computed, ${summary.jobs.cached} cached, ${summary.jobs.failed} failed in ${summary.seconds.toFixed(1)} s\n` +
      `shard folder: ${summary.runDir}\nwhen every shard is done: npx run merge ${s.sweepDir}\n`,
  );
}
