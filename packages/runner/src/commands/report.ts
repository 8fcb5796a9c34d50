// `npx run report RUN_DIR [RUN_DIR…]`: the metrics package's report over stored predictions.
import { formatTrajectoryTable, reportRunDirs } from '@cpi-bench/metrics';
import { verdicts } from './verdicts.ts';

export async function report(
  runDirs: string[],
  flags: { out?: string; benchmarks?: string; benchmarkScale?: 'auto' | 'fraction' | 'percent'; json?: boolean },
  io: { stdout: NodeJS.WriteStream },
): Promise<void> {
  const { report: r, files } = await reportRunDirs(runDirs, {
    ...(flags.out ? { outDir: flags.out } : {}),
    ...(flags.benchmarks ? { benchmarksFile: flags.benchmarks } : {}),
    ...(flags.benchmarkScale ? { benchmarkScale: flags.benchmarkScale } : {}),
  });
  if (flags.json) io.stdout.write(JSON.stringify({ files, verdicts: verdicts(r) }) + '\n');
  else io.stdout.write(`${formatTrajectoryTable(r)}\nreport files:\n${files.map((f) => `  ${f}`).join('\n')}\n`);
}
