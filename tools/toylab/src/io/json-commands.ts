// `toylab … --json`: the same commands as io/commands.ts, with no progress bar and one JSON summary on
// stdout (as `generate`, `run` and `mitigate` print with --json), for scripts.
import { resolve } from 'node:path';
import { labOptionsFromFlags, listFlag, seedsFlag } from './commands.ts';

type Command = 'train' | 'theory' | 'sweep' | 'mitigations';

/** Runs `command` and returns its summary as a JSON-ready value. */
export async function runJsonCommand(command: Command, flags: Record<string, unknown>): Promise<unknown> {
  if (command === 'train') {
    const { trainSeries } = await import('./series.ts');
    return trainSeries(labOptionsFromFlags(flags), { seriesDir: resolve(String(flags['out'])), evalDir: resolve(String(flags['evalOut'])) });
  }
  if (command === 'theory') {
    const { runTheoryScenarios, theoryJson } = await import('../theory-report.ts');
    const { writeTheoryFiles } = await import('./theory-files.ts');
    const overrides: Record<string, number> = {};
    for (const k of ['lr', 'steps', 'seed']) if (typeof flags[k] === 'number') overrides[k] = flags[k] as number;
    const scenarios = runTheoryScenarios(overrides);
    const files = await writeTheoryFiles(scenarios, resolve(String(flags['out'])));
    return { files, theory: theoryJson(scenarios) };
  }
  if (command === 'mitigations') {
    const { runMitigationLab, writeMitigationReport } = await import('./mitigation-lab.ts');
    const { armEffects, summarizeRun } = await import('../mitigation-report.ts');
    const outDir = resolve(String(flags['out']));
    const runs = flags['reportOnly'] === true ? await writeMitigationReport(outDir) : await runMitigationLab({ seeds: seedsFlag(flags), ...(listFlag(flags, 'arms') ? { arms: listFlag(flags, 'arms')! } : {}), base: labOptionsFromFlags(flags), outDir, workDir: resolve(String(flags['work'])) });
    return { runs: runs.map(summarizeRun), effects: armEffects(runs) };
  }
  const { runSweep } = await import('./sweep.ts');
  const seeds = seedsFlag(flags);
  const settings = listFlag(flags, 'settings');
  const r = await runSweep({ seeds, ...(settings ? { settings } : {}), base: labOptionsFromFlags(flags), outDir: resolve(String(flags['out'])) });
  return { runs: r.runs, summary: r.summary };
}
