// `toylab sweep`: per seed, pretrain once and finetune every setting from that base (probe only, no
// checkpoints). The report files are rewritten after every run, and a rerun into the same folder resumes:
// runs already there with the same options are kept, not recomputed, so a long sweep can span sessions.
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CpiError, SCHEMA_VERSION, writeFileAtomic, writeJsonAtomic } from '@cpi-bench/schemas';
import { finetune, initialModel, prepareLab, pretrain, type ProgressSink } from '../experiment.ts';
import { resolveLabOptions, sameLabOptions, type LabOptions } from '../options.ts';
import { SWEEP_SETTINGS, sweepCsv, sweepMarkdown, sweepRun, sweepSvg, type SweepRun, type SweepSetting } from '../sweep-report.ts';

export interface SweepArgs { seeds: number[]; settings?: string[]; base: Partial<LabOptions>; outDir: string }

/** A run as sweep.json stores it: with the options it ran under, so a resumed sweep knows what it can keep. */
type StoredRun = SweepRun & { options?: LabOptions };

/** Runs in the grid's order: by setting as SWEEP_SETTINGS lists them, then by seed. */
const gridOrder = (a: SweepRun, b: SweepRun): number => SWEEP_SETTINGS.findIndex((s) => s.id === a.setting) - SWEEP_SETTINGS.findIndex((s) => s.id === b.setting) || a.seed - b.seed;


/** The runs of an earlier sweep.json in `dir` (none if there is no file, unless it is `required`). */
async function storedRuns(dir: string, required = false): Promise<StoredRun[]> {
  const file = join(dir, 'sweep.json');
  let text: string;
  try { text = await readFile(file, 'utf8'); } catch (error) {
    if (!required) return [];
    throw new CpiError('CPI_TOYLAB_BAD_SWEEP', `cannot read it: ${(error as Error).message}`, { file, hint: 'name folders that `npx toylab sweep` wrote' });
  }
  try {
    const doc = JSON.parse(text) as { kind?: string; runs?: StoredRun[] };
    if (doc.kind !== 'toylab-sweep' || !Array.isArray(doc.runs)) throw new Error('not a toylab sweep report');
    return doc.runs;
  } catch (error) {
    throw new CpiError('CPI_TOYLAB_BAD_SWEEP', `cannot use it: ${(error as Error).message}`, { file, hint: 'choose another --out folder, or move the file away' });
  }
}

/** A stored run with its verdicts recomputed from the curve (so reports follow the current thresholds); its options kept. */
const restored = (r: StoredRun): StoredRun => ({ ...sweepRun(r.setting, r.seed, r.pretrainSteps, r.curve, r.seconds), ...(r.options ? { options: r.options } : {}) });

/** Writes sweep.json (with `header`), sweep.csv, sweep.svg and sweep.md; returns the markdown. */
async function writeSweepReport(outDir: string, header: Record<string, unknown>, runs: readonly SweepRun[], settings: readonly SweepSetting[]): Promise<string> {
  const markdown = sweepMarkdown(runs, settings);
  await writeJsonAtomic(join(outDir, 'sweep.json'), { schemaVersion: SCHEMA_VERSION, kind: 'toylab-sweep', ...header, settings, runs });
  await writeFileAtomic(join(outDir, 'sweep.csv'), sweepCsv(runs));
  await writeFileAtomic(join(outDir, 'sweep.svg'), await sweepSvg(runs, settings));
  await writeFileAtomic(join(outDir, 'sweep.md'), markdown);
  return markdown;
}

export async function runSweep(args: SweepArgs, onProgress?: ProgressSink, log: (line: string) => void = () => {}): Promise<{ runs: SweepRun[]; summary: string }> {
  const chosen = args.settings ? args.settings.map((id) => {
    const s = SWEEP_SETTINGS.find((x) => x.id === id);
    if (!s) throw new CpiError('CPI_TOYLAB_BAD_OPTION', `unknown sweep setting "${id}"; valid: ${SWEEP_SETTINGS.map((x) => x.id).join(', ')}`, { pointer: '/settings' });
    return s;
  }) : [...SWEEP_SETTINGS];
  const optionsOf = (setting: SweepSetting, seed: number): LabOptions => resolveLabOptions({ ...args.base, ...setting.options, seed });
  // Earlier runs are kept (a report never loses what another run wrote); those of this grid with the
  // same options count as done. Verdicts are recomputed, so they follow the current verdict.
  const runs: StoredRun[] = (await storedRuns(args.outDir)).map(restored);
  const stored = (setting: SweepSetting, seed: number): StoredRun | undefined => runs.find((r) => r.setting === setting.id && r.seed === seed);
  const done = (setting: SweepSetting, seed: number): boolean => stored(setting, seed) !== undefined;
  for (const seed of args.seeds) {
    for (const s of chosen) {
      const r = stored(s, seed);
      if (r && !sameLabOptions(r.options, optionsOf(s, seed))) {
        throw new CpiError('CPI_TOYLAB_SWEEP_OPTIONS_CHANGED', `${s.id} seed ${seed} is already in ${join(args.outDir, 'sweep.json')} under other options; a resumed sweep must use the same ones`, {
          file: join(args.outDir, 'sweep.json'), hint: 'rerun with the same flags, or write to another --out folder',
        });
      }
    }
  }
  const reported = (): SweepSetting[] => SWEEP_SETTINGS.filter((s) => runs.some((r) => r.setting === s.id));
  const write = async (): Promise<string> => {
    runs.sort(gridOrder);
    return writeSweepReport(args.outDir, { base: resolveLabOptions(args.base) }, runs, reported());
  };
  for (const seed of args.seeds) {
    const todo = chosen.filter((s) => !done(s, seed));
    for (const s of chosen) if (!todo.includes(s)) log(`${s.id} seed ${seed}: already in ${args.outDir}, kept`);
    if (todo.length === 0) continue;
    const ctx = prepareLab(resolveLabOptions({ ...args.base, seed }));
    const base = initialModel(ctx);
    const pre = await pretrain(base, ctx, onProgress);
    for (const setting of todo) {
      const options = optionsOf(setting, seed);
      const t0 = performance.now();
      const curve = await finetune(base, { ...ctx, options }, async () => {}, onProgress);
      const run = { ...sweepRun(setting.id, seed, pre.steps, curve, (performance.now() - t0) / 1000), options };
      runs.push(run);
      await write();
      log(`${setting.id} seed ${seed}: ${run.verdict.name} (${run.seconds.toFixed(0)} s)`);
    }
  }
  return { runs, summary: await write() };
}

/**
 * Merges the runs of several sweep folders (e.g. one per seed, run in parallel) and optionally default
 * series folders (their lab-run.json, as setting `series:<options>`) into one report in `outDir`.
 */
export interface SeriesAsRun { dir: string; setting: string; maxStep: number }

export async function mergeSweeps(sweepDirs: readonly string[], outDir: string, series: readonly SeriesAsRun[] = []): Promise<{ runs: SweepRun[]; summary: string }> {
  const runs: StoredRun[] = [];
  const seen = new Set<string>();
  for (const dir of sweepDirs) {
    for (const r of await storedRuns(dir, true)) {
      const key = `${r.setting}/${r.seed}`;
      if (seen.has(key)) throw new CpiError('CPI_TOYLAB_DUPLICATE_RUN', `setting ${r.setting} seed ${r.seed} appears twice`, { file: join(dir, 'sweep.json') });
      seen.add(key);
      // The options are kept, so `toylab sweep` can resume from the merged folder.
      runs.push(restored(r));
    }
  }
  for (const s of series) {
    // A committed series (its lab-run.json) counts as one run of `setting`, cut at `maxStep` so it spans
    // the same finetuning steps as the sweep's runs.
    const doc = JSON.parse(await readFile(join(s.dir, 'lab-run.json'), 'utf8')) as { options: { seed: number }; pretraining: { steps: number }; curve: SweepRun['curve'] };
    const key = `${s.setting}/${doc.options.seed}`;
    if (seen.has(key)) throw new CpiError('CPI_TOYLAB_DUPLICATE_RUN', `setting ${s.setting} seed ${doc.options.seed} appears twice`, { file: join(s.dir, 'lab-run.json') });
    seen.add(key);
    runs.push(sweepRun(s.setting, doc.options.seed, doc.pretraining.steps, doc.curve.filter((p) => p.step <= s.maxStep), 0));
  }
  runs.sort(gridOrder);
  const settings = SWEEP_SETTINGS.filter((s) => runs.some((r) => r.setting === s.id));
  // Sources are recorded relative to the report, so the committed file names no machine's paths.
  const mergedFrom = sweepDirs.map((d) => relative(outDir, d));
  const seriesFrom = series.map((s) => ({ ...s, dir: relative(outDir, s.dir) }));
  return { runs, summary: await writeSweepReport(outDir, { mergedFrom, series: seriesFrom }, runs, settings) };
}
