// `npx run benchmark`: fill in defaults (the default series and suite), run, then write the report.
import { join, resolve } from 'node:path';
import { defaultOutFor } from '../io/run-folder.ts';
import { resolveRunOptions, type RunOptions } from '../config.ts';
import { resolveDefaultRun, writeDefaultBenchmarks } from '../io/default-series.ts';
import { seriesDataset } from '../io/checkpoints.ts';
import { plainProgress, terminalProgress } from '../io/progress.ts';
import { runBenchmark } from '../run.ts';
import { silentProgress } from '../progress.ts';
import { formatTrajectoryTable, reportRunDirs } from '@cpi-bench/metrics';
import { verdicts } from './verdicts.ts';
import { benchmarkShard } from './shard.ts';
import { reportOptionsOf, resolvedRunSpec, sweepFlagOptions, withRunSpec, type ReportFlags } from './benchmark-spec.ts';
import { writeRunSpec } from '../io/run-spec.ts';
import { writeRunSamples } from '../io/samples.ts';

/** The options as commander parses them (strings and flags). */
export interface BenchmarkFlags {
  checkpoints?: string;
  dataset?: string;
  splits?: string;
  mode?: RunOptions['mode'];
  template?: string;
  limit?: string;
  out?: string;
  device?: RunOptions['device'];
  dtype?: RunOptions['dtype'];
  batchSize?: string;
  threads?: string;
  maxNewTokens?: string;
  stop?: string[];
  shard?: string;
  resume: boolean;
  json?: boolean;
  report: boolean;
  label?: string;
}

export async function benchmark(
  cliFlags: BenchmarkFlags & ReportFlags & { config?: string },
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): Promise<void> {
  const flags = await withRunSpec(cliFlags);
  const reportOptions = reportOptionsOf(flags);
  const say = (line: string): void => void io.stderr.write(line + '\n');
  const needDefaults = !flags.checkpoints;
  const defaults = needDefaults ? await resolveDefaultRun() : undefined;
  const checkpoints = flags.checkpoints ?? defaults!.checkpoints;
  // A user's own series is scored on the dataset its series.json names, else the default suite; never
  // silently on the toy lab's items.
  const dataset =
    flags.dataset ?? (flags.checkpoints ? ((await seriesDataset(flags.checkpoints)) ?? resolve('datasets/default')) : defaults!.dataset);
  if (!flags.dataset && !flags.json) say(`dataset: ${dataset}`);
  const fromFlags = sweepFlagOptions(flags);
  const options = resolveRunOptions({
    checkpoints,
    dataset,
    out: flags.out ?? (flags.checkpoints ? defaultOutFor(checkpoints) : defaults!.out),
    ...fromFlags,
    template: fromFlags.template ?? flags.customTemplate ?? (flags.checkpoints ? undefined : defaults?.template),
    limit: fromFlags.limit ?? (flags.checkpoints || flags.dataset ? undefined : defaults?.limit),
    resume: flags.resume,
    label: flags.label ?? (flags.checkpoints ? undefined : defaults?.label),
    moveAsideFromBoundFolder: flags.out === undefined,
  });
  const progress = flags.json ? silentProgress : io.stderr.isTTY ? terminalProgress(io.stderr) : plainProgress(say);
  if (flags.shard !== undefined) return benchmarkShard(options, flags.shard, { progress }, flags, io);
  const summary = await runBenchmark(options, { progress });
  const specFile = await writeRunSpec(summary.runDir, resolvedRunSpec(options, summary.runDir, { ...reportOptions, enabled: flags.report }));
  const samples = await writeRunSamples(summary.runDir);
  // With no arguments, the toy lab's second series (10% counterfactual examples) runs too and is overlaid, and
  // each series' in-distribution scores (its benchmarks.csv) are the verdict's benchmark criterion.
  const noArguments = flags.checkpoints === undefined && flags.dataset === undefined;
  const overlay = noArguments ? defaults?.overlay : undefined;
  const runDirs = [summary.runDir];
  if (overlay) {
    const second = await runBenchmark({ ...options, checkpoints: overlay.checkpoints, dataset: overlay.dataset, out: overlay.out, label: overlay.label }, { progress });
    await writeRunSamples(second.runDir);
    runDirs.push(second.runDir);
  }
  const benchmarksFile =
    defaults && noArguments && reportOptions.benchmarksFile === undefined
      ? await writeDefaultBenchmarks(overlay ? [defaults, overlay] : [defaults], join(summary.runDir, 'default-benchmarks.csv'))
      : null;
  if (!flags.report) {
    if (flags.json) io.stdout.write(JSON.stringify({ run: summary, runSpec: specFile, samples }) + '\n');
    else say(`run folder: ${summary.runDir}\npredictions: ${summary.files.predictions}\nsamples: ${samples}\nrepeat: npx run benchmark --config ${specFile}`);
    return;
  }
  const { report, files } = await reportRunDirs(runDirs, { ...reportOptions, ...(benchmarksFile ? { benchmarksFile } : {}) });
  if (flags.json) {
    io.stdout.write(JSON.stringify({ run: summary, runSpec: specFile, samples, report: { files, verdicts: verdicts(report) } }) + '\n');
    return;
  }
  io.stdout.write(formatTrajectoryTable(report) + '\n');
  io.stdout.write(
    `${summary.jobs.computed} computed, ${summary.jobs.cached} cached, ${summary.jobs.failed} failed on ${summary.device ?? 'no device (all cached)'} in ${summary.seconds.toFixed(1)} s\n`,
  );
  if (summary.failedCheckpoints.length > 0) {
    io.stdout.write(`failed checkpoints (skipped; tried again on the next run):\n${summary.failedCheckpoints.map((f) => `  step ${f.step} ${f.path}: ${f.error.code}`).join('\n')}\n`);
  }
  if (summary.persistentFailures.length > 0) io.stdout.write(`${summary.persistentFailures.length} job(s) failed 3 times and are no longer retried\n`);
  io.stdout.write(`run folder: ${summary.runDir}\nsamples: ${samples}\nrepeat: npx run benchmark --config ${specFile}\n`);
  io.stdout.write(`report files:\n${files.map((f) => `  ${f}`).join('\n')}\n`);
}
