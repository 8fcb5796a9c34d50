// `npx run merge RUN_DIR`: joins the stores of shards and queue workers, checks that every cell is there
// (exit 1 with the list when not), then writes the report.
import { formatTrajectoryTable, reportRunDirs } from '@cpi-bench/metrics';
import { describeMissing, mergeRun } from '../io/merge.ts';
import { verdicts } from './verdicts.ts';

export async function merge(
  runDir: string,
  flags: { report: boolean; json?: boolean },
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): Promise<number> {
  const say = (line: string): void => void io.stderr.write(line + '\n');
  const summary = await mergeRun(runDir, say);
  if (!summary.complete) {
    if (flags.json) io.stdout.write(JSON.stringify({ merge: summary }) + '\n');
    say(describeMissing(summary));
    return 1;
  }
  const report = flags.report ? await reportRunDirs([summary.runDir]) : undefined;
  if (flags.json) {
    io.stdout.write(JSON.stringify({ merge: summary, ...(report ? { report: { files: report.files, verdicts: verdicts(report.report) } } : {}) }) + '\n');
    return 0;
  }
  say(`merged ${summary.parts.length} part(s): ${summary.records} record(s), ${summary.duplicates} duplicate(s) kept once`);
  if (report) io.stdout.write(`${formatTrajectoryTable(report.report)}\nreport files:\n${report.files.map((f) => `  ${f}`).join('\n')}\n`);
  return 0;
}
