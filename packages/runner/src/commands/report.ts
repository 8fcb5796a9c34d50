// `npx run report RUN_DIR [RUN_DIR…]`: the metrics package's report over stored predictions.
import { formatTrajectoryTable, reportRunDirs } from '@cpi-bench/metrics';
import { reportOptionsOf, type ReportFlags } from './benchmark-spec.ts';
import { verdicts } from './verdicts.ts';

export async function report(
  runDirs: string[],
  flags: ReportFlags & { out?: string; label?: string[]; json?: boolean },
  io: { stdout: NodeJS.WriteStream },
): Promise<void> {
  const { report: r, files } = await reportRunDirs(runDirs, {
    ...reportOptionsOf(flags),
    ...(flags.out ? { outDir: flags.out } : {}),
    ...(flags.label ? { labels: flags.label } : {}),
    ...(flags.allowMixedScorers ? { allowMixedScorers: true } : {}),
  });
  if (flags.json) io.stdout.write(JSON.stringify({ files, verdicts: verdicts(r) }) + '\n');
  else io.stdout.write(`${formatTrajectoryTable(r)}\nreport files:\n${files.map((f) => `  ${f}`).join('\n')}\n`);
}
