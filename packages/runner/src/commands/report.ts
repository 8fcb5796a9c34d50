// `npx run report RUN_DIR [RUN_DIR…]`: the metrics package's report over stored predictions.
import { loadReportApi, verdicts } from './report-api.ts';

export async function report(
  runDirs: string[],
  flags: { out?: string; benchmarks?: string; json?: boolean },
  io: { stdout: NodeJS.WriteStream },
): Promise<void> {
  const api = await loadReportApi();
  const { report: r, files } = await api.reportRunDirs(runDirs, {
    ...(flags.out ? { outDir: flags.out } : {}),
    ...(flags.benchmarks ? { benchmarksFile: flags.benchmarks } : {}),
  });
  if (flags.json) io.stdout.write(JSON.stringify({ files, verdicts: verdicts(r) }) + '\n');
  else io.stdout.write(`${api.formatTrajectoryTable(r)}\nreport files:\n${files.map((f) => `  ${f}`).join('\n')}\n`);
}
