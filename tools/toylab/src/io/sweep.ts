// `toylab sweep`: per seed, pretrain once and finetune every setting from that base (probe only, no
// checkpoints). The report files are rewritten after every run, so an interrupted sweep keeps what it did.
import { join, relative } from 'node:path';
import { CpiError, SCHEMA_VERSION, writeFileAtomic, writeJsonAtomic } from '@cpi-bench/schemas';
import { finetune, initialModel, prepareLab, pretrain, type ProgressSink } from '../experiment.ts';
import { resolveLabOptions, type LabOptions } from '../options.ts';
import { SWEEP_SETTINGS, sweepCsv, sweepMarkdown, sweepRun, sweepSvg, type SweepRun } from '../sweep-report.ts';

export interface SweepArgs { seeds: number[]; settings?: string[]; base: Partial<LabOptions>; outDir: string }

export async function runSweep(args: SweepArgs, onProgress?: ProgressSink): Promise<{ runs: SweepRun[]; summary: string }> {
  const chosen = args.settings ? args.settings.map((id) => {
    const s = SWEEP_SETTINGS.find((x) => x.id === id);
    if (!s) throw new CpiError('CPI_TOYLAB_BAD_OPTION', `unknown sweep setting "${id}"; valid: ${SWEEP_SETTINGS.map((x) => x.id).join(', ')}`, { pointer: '/settings' });
    return s;
  }) : [...SWEEP_SETTINGS];
  const runs: SweepRun[] = [];
  const write = async (): Promise<void> => {
    await writeJsonAtomic(join(args.outDir, 'sweep.json'), { schemaVersion: SCHEMA_VERSION, kind: 'toylab-sweep', base: resolveLabOptions(args.base), settings: chosen, seeds: args.seeds, runs });
    await writeFileAtomic(join(args.outDir, 'sweep.csv'), sweepCsv(runs));
    await writeFileAtomic(join(args.outDir, 'sweep.svg'), await sweepSvg(runs, chosen));
    await writeFileAtomic(join(args.outDir, 'sweep.md'), sweepMarkdown(runs, chosen));
  };
  for (const seed of args.seeds) {
    const ctx = prepareLab(resolveLabOptions({ ...args.base, seed }));
    const base = initialModel(ctx);
    const pre = await pretrain(base, ctx, onProgress);
    for (const setting of chosen) {
      const options = resolveLabOptions({ ...args.base, ...setting.options, seed });
      const t0 = performance.now();
      const curve = await finetune(base, { ...ctx, options }, async () => {}, onProgress);
      runs.push(sweepRun(setting.id, seed, pre.steps, curve, (performance.now() - t0) / 1000));
      await write();
    }
  }
  await write();
  return { runs, summary: sweepMarkdown(runs, chosen) };
}

/**
 * Merges the runs of several sweep folders (e.g. one per seed, run in parallel) and optionally default
 * series folders (their lab-run.json, as setting `series:<options>`) into one report in `outDir`.
 */
export interface SeriesAsRun { dir: string; setting: string; maxStep: number }

export async function mergeSweeps(sweepDirs: readonly string[], outDir: string, series: readonly SeriesAsRun[] = []): Promise<{ runs: SweepRun[]; summary: string }> {
  const { readFile } = await import('node:fs/promises');
  const runs: SweepRun[] = [];
  const seen = new Set<string>();
  for (const dir of sweepDirs) {
    const doc = JSON.parse(await readFile(join(dir, 'sweep.json'), 'utf8')) as { runs: SweepRun[] };
    for (const r of doc.runs) {
      const key = `${r.setting}/${r.seed}`;
      if (seen.has(key)) throw new CpiError('CPI_TOYLAB_DUPLICATE_RUN', `setting ${r.setting} seed ${r.seed} appears twice`, { file: join(dir, 'sweep.json') });
      seen.add(key);
      // Verdicts are recomputed from the curves, so a merge always applies the current thresholds.
      runs.push(sweepRun(r.setting, r.seed, r.pretrainSteps, r.curve, r.seconds));
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
  runs.sort((a, b) => a.setting.localeCompare(b.setting) || a.seed - b.seed);
  const settings = SWEEP_SETTINGS.filter((s) => runs.some((r) => r.setting === s.id));
  // Sources are recorded relative to the report, so the committed file names no machine's paths.
  const mergedFrom = sweepDirs.map((d) => relative(outDir, d));
  const seriesFrom = series.map((s) => ({ ...s, dir: relative(outDir, s.dir) }));
  await writeJsonAtomic(join(outDir, 'sweep.json'), { schemaVersion: SCHEMA_VERSION, kind: 'toylab-sweep', mergedFrom, series: seriesFrom, settings, runs });
  await writeFileAtomic(join(outDir, 'sweep.csv'), sweepCsv(runs));
  await writeFileAtomic(join(outDir, 'sweep.svg'), await sweepSvg(runs, settings));
  await writeFileAtomic(join(outDir, 'sweep.md'), sweepMarkdown(runs, settings));
  return { runs, summary: sweepMarkdown(runs, settings) };
}
