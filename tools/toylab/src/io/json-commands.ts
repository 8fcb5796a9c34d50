// `toylab … --json`: the same commands as io/commands.ts, with no progress bar and one JSON summary on
// stdout (as `generate`, `run` and `mitigate` print with --json), for scripts.
import { resolve } from 'node:path';
import { labOptionsFromFlags, mitigationArgs, sweepArgs, theoryOverrides, trainDirs } from './commands.ts';

type Command = 'train' | 'theory' | 'sweep' | 'mitigations';

/** Runs `command` and returns its summary as a JSON-ready value. */
export async function runJsonCommand(command: Command, flags: Record<string, unknown>): Promise<unknown> {
  if (command === 'train') {
    const { trainSeries } = await import('./series.ts');
    return trainSeries(labOptionsFromFlags(flags), trainDirs(flags));
  }
  if (command === 'theory') {
    const { runTheoryScenarios, theoryJson } = await import('../theory-report.ts');
    const { writeTheoryFiles } = await import('./theory-files.ts');
    const scenarios = runTheoryScenarios(theoryOverrides(flags));
    const files = await writeTheoryFiles(scenarios, resolve(String(flags['out'])));
    return { files, theory: theoryJson(scenarios) };
  }
  if (command === 'mitigations') {
    const { runMitigationLab, writeMitigationReport } = await import('./mitigation-lab.ts');
    const { armEffects, summarizeRun } = await import('../mitigation-report.ts');
    const runs = flags['reportOnly'] === true ? await writeMitigationReport(resolve(String(flags['out']))) : await runMitigationLab(mitigationArgs(flags));
    return { runs: runs.map(summarizeRun), effects: armEffects(runs) };
  }
  const { runSweep } = await import('./sweep.ts');
  const r = await runSweep(sweepArgs(flags));
  return { runs: r.runs, summary: r.summary };
}
