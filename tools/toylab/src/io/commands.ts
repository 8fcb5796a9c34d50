// Command bodies of the toylab CLI, loaded lazily: map CLI flags to one options object, show progress on
// stderr, print a summary. The CLI itself stays a thin parser.
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { CpiError } from '@cpi-bench/schemas';
import type { ProgressSink } from '../experiment.ts';
import type { LabOptions } from '../options.ts';
import type { MitigationLabArgs } from './mitigation-lab.ts';
import type { SweepArgs } from './sweep.ts';

function progressBar(): { sink: ProgressSink; stop(): void } {
  const bar = new cliProgress.SingleBar({ format: '{phase} |{bar}| {value}/{total} loss {loss} {note}', stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000 }, cliProgress.Presets.shades_classic);
  let phase = '';
  let note = '';
  return {
    sink: (e) => {
      if (e.note) note = e.note;
      if (e.phase !== phase) {
        if (phase) bar.stop();
        phase = e.phase;
        note = e.note ?? '';
        bar.start(e.total, e.step, { phase: e.phase.padEnd(8), loss: e.loss.toFixed(3), note });
      } else bar.update(e.step, { loss: e.loss.toFixed(3), note });
    },
    stop: () => bar.stop(),
  };
}

/** A comma-separated list flag (`--arms a,b`), or undefined when not given; empty entries are refused. */
function listFlag(flags: Record<string, unknown>, key: string): string[] | undefined {
  if (typeof flags[key] !== 'string') return undefined;
  const items = flags[key].split(',').map((x) => x.trim());
  if (items.some((x) => x === '')) throw new CpiError('CPI_TOYLAB_BAD_OPTION', `--${key} has an empty entry: "${flags[key]}"`, { pointer: `/${key}` });
  return items;
}

/** `--seeds 0,1,2` as non-negative integers. */
function seedsFlag(flags: Record<string, unknown>): number[] {
  return (listFlag(flags, 'seeds') ?? []).map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 0) throw new CpiError('CPI_TOYLAB_BAD_OPTION', `--seeds takes non-negative integers, got "${x}"`, { pointer: '/seeds' });
    return n;
  });
}

/** Maps the shared CLI flags onto LabOptions (undefined = default). */
export function labOptionsFromFlags(o: Record<string, unknown>): Partial<LabOptions> {
  const pick = <T>(key: string): T | undefined => (o[key] === undefined ? undefined : (o[key] as T));
  const out: Partial<LabOptions> = {};
  const set = <K extends keyof LabOptions>(key: K, value: LabOptions[K] | undefined): void => { if (value !== undefined) out[key] = value; };
  set('size', pick('size')); set('seed', pick('seed')); set('steps', pick('steps')); set('lr', pick('lr')); set('batch', pick('batch'));
  set('checkpointEvery', pick('checkpointEvery')); set('nonContextCriticalShare', pick('nonCc')); set('counterfactualShare', pick('counterfactual'));
  set('closedBookShare', pick('closedBookShare')); set('rehearsalShare', pick('rehearsal')); set('vocabSize', pick('vocabSize'));
  set('pretrainMaxSteps', pick('pretrainMaxSteps')); set('probeLimit', pick('probeLimit')); set('probeEvery', pick('probeEvery'));
  if (o['freshUnknowns'] === true) out.memorisableUnknowns = false;
  return out;
}

// Each command's flags become its library arguments in one place, used by the text output here and by
// the --json output (json-commands.ts).

/** `toylab train`: the series and evaluation folders. */
export const trainDirs = (flags: Record<string, unknown>): { seriesDir: string; evalDir: string } => ({ seriesDir: resolve(String(flags['out'])), evalDir: resolve(String(flags['evalOut'])) });

/** `toylab theory`: the options it overrides. */
export function theoryOverrides(flags: Record<string, unknown>): Record<string, number> {
  const overrides: Record<string, number> = {};
  for (const k of ['lr', 'steps', 'seed']) if (typeof flags[k] === 'number') overrides[k] = flags[k] as number;
  return overrides;
}

/** `toylab sweep`. */
export function sweepArgs(flags: Record<string, unknown>): SweepArgs {
  const settings = listFlag(flags, 'settings');
  return { seeds: seedsFlag(flags), ...(settings ? { settings } : {}), base: labOptionsFromFlags(flags), outDir: resolve(String(flags['out'])) };
}

/** `toylab mitigations` (without --report-only). */
export function mitigationArgs(flags: Record<string, unknown>): MitigationLabArgs {
  const arms = listFlag(flags, 'arms');
  return { seeds: seedsFlag(flags), ...(arms ? { arms } : {}), base: labOptionsFromFlags(flags), outDir: resolve(String(flags['out'])), workDir: resolve(String(flags['work'])) };
}

export async function runTrain(flags: Record<string, unknown>): Promise<void> {
  const { trainSeries } = await import('./series.ts');
  const bar = progressBar();
  try {
    const r = await trainSeries(labOptionsFromFlags(flags), trainDirs(flags), bar.sink);
    bar.stop();
    const { verdictLine } = await import('../lab-verdict.ts');
    console.log(`pretraining: ${r.pretrainSteps} steps, closed-book ${r.pretrainClosedBook.toFixed(2)} (QA template ${r.pretrainClosedBookTemplate.toFixed(2)}) (${r.seconds.pretrain.toFixed(0)} s); finetuning ${r.seconds.finetune.toFixed(0)} s`);
    console.log('step  ctx_ft ctx_ho par_ft aligned closed unk_ctx ho_loss');
    for (const p of r.curve) console.log(`${String(p.step).padStart(4)}  ${[p.contextFt, p.contextHeldOut, p.parametricFt, p.aligned, p.closedBook, p.unknownContext, p.heldOutLoss].map((x) => x.toFixed(2).padStart(6)).join(' ')}`);
    console.log(`verdict (ft subjects): ${verdictLine(r.verdict)}`);
    console.log(`verdict (held-out):    ${verdictLine(r.heldOutVerdict)}`);
    console.log(`${r.checkpoints.length} checkpoints in ${r.seriesDir}; evaluation items in ${r.evalDir}`);
  } finally {
    bar.stop();
  }
}

export async function runTheoryCommand(flags: Record<string, unknown>): Promise<void> {
  const { runTheoryScenarios, formatTheorySummary } = await import('../theory-report.ts');
  const { writeTheoryFiles } = await import('./theory-files.ts');
  const scenarios = runTheoryScenarios(theoryOverrides(flags));
  const files = await writeTheoryFiles(scenarios, resolve(String(flags['out'])));
  console.log(formatTheorySummary(scenarios));
  console.log(`wrote ${files.join(', ')}`);
}

export async function runSweepCommand(flags: Record<string, unknown>): Promise<void> {
  const { runSweep } = await import('./sweep.ts');
  const bar = progressBar();
  try {
    const r = await runSweep(sweepArgs(flags), bar.sink, (line) => console.error(line));
    bar.stop();
    console.log(r.summary);
  } finally {
    bar.stop();
  }
}

export async function runMitigationsCommand(flags: Record<string, unknown>): Promise<void> {
  const { runMitigationLab, writeMitigationReport } = await import('./mitigation-lab.ts');
  const { effectsMarkdown } = await import('../mitigation-report.ts');
  const outDir = resolve(String(flags['out']));
  if (flags['reportOnly'] === true) {
    console.log(effectsMarkdown(await writeMitigationReport(outDir)));
    return;
  }
  const bar = progressBar();
  try {
    const runs = await runMitigationLab(mitigationArgs(flags), bar.sink, (line) => console.error(line));
    bar.stop();
    console.log(effectsMarkdown(runs));
  } finally {
    bar.stop();
  }
}
