// The mitigation proof's report: per arm and seed the product's verdict on the context-reliance curve, and
// per mitigation its paired change against the baseline of the same seed (same pretrained model): in the
// drop, in peak context reliance, and its cost in aligned and closed-book accuracy. Pure; the driver
// (io/mitigation-lab.ts) writes what this returns.
import { SCHEMA_VERSION } from '@cpi-bench/schemas';
import { curveCsv } from './curve.ts';
import { f2, mean, pm, pv, sd } from './format.ts';
import { inDistribution, labVerdict, type LabVerdict } from './lab-verdict.ts';
import { MITIGATION_ARMS } from './mitigation-arms.ts';
import { sameLabOptions, type LabOptions } from './options.ts';
import type { ProbePoint } from './probe.ts';
import { lineChartSvg, type ChartSeries } from './svg-chart.ts';

/** One finetuning run of the proof, as `<out>/runs/<arm>-seed-<seed>.json` stores it. */
export interface MitigationRun {
  schemaVersion: number;
  kind: 'toylab-mitigation-run';
  arm: string;
  seed: number;
  options: LabOptions;
  pretrainSteps: number;
  /**
   * The finetuning file the run sampled from (the first, for a reseeded arm): examples, of them on known
   * subjects, without a context; `tooLong`: examples of all its files left out as longer than the model's positions.
   */
  data: { examples: number; knownSubject: number; contextFree: number; tooLong?: number };
  /** What the product's transform did (its MitigationReport without paths); null for the baseline. */
  transform: { transform: string; params: Record<string, unknown>; input: number; output: number; stats: Record<string, unknown> } | null;
  curve: ProbePoint[];
  seconds: number;
}

/** A run's numbers the report compares. */
export interface RunSummary {
  arm: string;
  seed: number;
  verdict: LabVerdict;
  /** Context reliance (ft subjects) at the step of the smoothed peak the verdict tests. */
  peak: number;
  drop: number;
  /** At the last step. */
  final: number;
  aligned: number;
  closedBook: number;
  unknownContext: number;
  heldOutContext: number;
}

const last = (curve: readonly ProbePoint[]): ProbePoint => curve[curve.length - 1]!;

export function summarizeRun(run: MitigationRun): RunSummary {
  const v = labVerdict(run.curve);
  const end = last(run.curve);
  return { arm: run.arm, seed: run.seed, verdict: v, peak: v.peak, drop: v.drop, final: end.contextFt, aligned: end.aligned, closedBook: end.closedBook, unknownContext: end.unknownContext, heldOutContext: end.contextHeldOut };
}


/** Per mitigation, its change against the baseline of the same seed (mitigation minus baseline). */
export interface ArmEffect {
  arm: string;
  seeds: number[];
  detected: number;
  peak: number[];
  drop: number[];
  /** Seeds with a baseline run under the same options: the Δ lists have one value per paired seed. */
  paired: number[];
  dPeak: number[];
  dDrop: number[];
  dFinal: number[];
  dAligned: number[];
  dClosedBook: number[];
  dUnknownContext: number[];
  /** Closed-book accuracy over the whole curve, not only at the end: the mean and the lowest Δ over the probes. */
  dClosedBookMean: number[];
  dClosedBookLowest: number[];
}

/** Arms in MITIGATION_ARMS order (an arm it does not know last), then by seed. */
const armOrder = (a: { arm: string; seed: number }, b: { arm: string; seed: number }): number => {
  const at = (id: string): number => { const i = MITIGATION_ARMS.findIndex((x) => x.id === id); return i < 0 ? MITIGATION_ARMS.length : i; };
  return at(a.arm) - at(b.arm) || a.seed - b.seed;
};

/** Δ of `key` at every probe step both curves share. */
function curveDeltas(run: MitigationRun, base: MitigationRun, key: 'closedBook'): number[] {
  const byStep = new Map(base.curve.map((p) => [p.step, p[key]]));
  return run.curve.filter((p) => byStep.has(p.step)).map((p) => p[key] - byStep.get(p.step)!);
}

export function armEffects(runs: readonly MitigationRun[]): ArmEffect[] {
  const baselines = new Map(runs.filter((r) => r.arm === 'baseline').map((r) => [r.seed, r]));
  // Each run's verdict once (its permutation test is the costly part).
  const sums = new Map(runs.map((r) => [r, summarizeRun(r)]));
  return MITIGATION_ARMS.filter((a) => runs.some((r) => r.arm === a.id)).map((a) => {
    const mine = runs.filter((r) => r.arm === a.id).sort(armOrder);
    // Only a baseline finetuned under the same options (steps, size, ...) is a fair comparison.
    const paired = mine.filter((r) => sameLabOptions(baselines.get(r.seed)?.options, r.options));
    const d = (key: 'peak' | 'drop' | 'final' | 'aligned' | 'closedBook' | 'unknownContext') => paired.map((r) => sums.get(r)![key] - sums.get(baselines.get(r.seed)!)![key]);
    const cb = paired.map((r) => curveDeltas(r, baselines.get(r.seed)!, 'closedBook'));
    return {
      arm: a.id, seeds: mine.map((r) => r.seed), detected: mine.filter((r) => sums.get(r)!.verdict.detected).length,
      peak: mine.map((r) => sums.get(r)!.peak), drop: mine.map((r) => sums.get(r)!.drop), paired: paired.map((r) => r.seed),
      dPeak: d('peak'), dDrop: d('drop'), dFinal: d('final'), dAligned: d('aligned'), dClosedBook: d('closedBook'), dUnknownContext: d('unknownContext'),
      dClosedBookMean: cb.map(mean), dClosedBookLowest: cb.map((xs) => Math.min(...xs)),
    };
  });
}

/** Every run: its data, the verdict and the accuracies at the end. */
export function runsMarkdown(runs: readonly MitigationRun[]): string {
  const lines = [
    '| arm | seed | examples (known subject) | ctx at 0 | peak (step) | final | smoothed drop | drop test p | parametric rise | aligned | closed-book | unknown-subject ctx | verdict |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of [...runs].sort(armOrder)) {
    const s = summarizeRun(r), v = s.verdict;
    lines.push(`| ${r.arm} | ${r.seed} | ${r.data.examples} (${r.data.knownSubject})${r.data.tooLong ? `; ${r.data.tooLong} too long, left out` : ''} | ${f2(r.curve[0]!.contextFt)} | ${f2(v.peak)} (${v.peakStep}) | ${f2(s.final)} | ${f2(v.drop)} | ${pv(v.pValue)} | ${v.parametricRise >= 0 ? '+' : ''}${f2(v.parametricRise)} | ${f2(s.aligned)} | ${f2(s.closedBook)} | ${f2(s.unknownContext)} | ${v.name} |`);
  }
  return lines.join('\n') + '\n';
}

/** Per mitigation: mean ± sd over seeds of the paired changes against the baseline. */
export function effectsMarkdown(runs: readonly MitigationRun[], effects: readonly ArmEffect[] = armEffects(runs)): string {
  const lines = [
    '| arm | seeds | inversion detected | peak context reliance | smoothed drop | Δ peak | Δ drop | Δ final reliance | Δ aligned (end) | Δ closed-book (end) | Δ closed-book (mean over the curve; lowest) | Δ unknown-subject ctx (end) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const e of effects) {
    const isBase = e.arm === 'baseline';
    const dd = (xs: number[]) => (isBase ? '–' : xs.length ? pm(xs, true) : 'no baseline under the same options');
    const lowest = e.dClosedBookLowest.length ? Math.min(...e.dClosedBookLowest) : 0;
    const curve = isBase || e.dClosedBookMean.length === 0 ? dd(e.dClosedBookMean) : `${pm(e.dClosedBookMean, true)}; ${lowest >= 0 ? '+' : ''}${f2(lowest)}`;
    lines.push(`| ${e.arm} | ${e.seeds.length} | ${e.detected}/${e.seeds.length} | ${pm(e.peak)} | ${pm(e.drop)} | ${dd(e.dPeak)} | ${dd(e.dDrop)} | ${dd(e.dFinal)} | ${dd(e.dAligned)} | ${dd(e.dClosedBook)} | ${curve} | ${dd(e.dUnknownContext)} |`);
  }
  return lines.join('\n') + '\n';
}

/** What each transform did to the baseline file, per seed. */
export function transformsMarkdown(runs: readonly MitigationRun[]): string {
  const lines = ['| arm | seed | transform and parameters | examples in → out | known-subject examples out | what the transform reports |', '|---|---|---|---|---|---|'];
  for (const r of runs.filter((x) => x.transform !== null).sort(armOrder)) {
    const t = r.transform!;
    const stats = Object.entries(t.stats).filter(([, v]) => v !== '' && v !== null).map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v)}`).join('; ');
    lines.push(`| ${r.arm} | ${r.seed} | \`${t.transform}\` ${JSON.stringify(t.params).replace(/\|/g, '\\|')} | ${t.input} → ${t.output} | ${r.data.knownSubject} | ${stats.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n') + '\n';
}

/** Context reliance (ft subjects) of every run: one colour per arm, one line per seed. */
export function mitigationSvg(runs: readonly MitigationRun[]): Promise<string> {
  const series: ChartSeries[] = [];
  MITIGATION_ARMS.forEach((a, i) => {
    for (const r of runs.filter((x) => x.arm === a.id).sort((x, y) => x.seed - y.seed)) {
      series.push({ name: `${a.id} seed ${r.seed}`, points: r.curve.map((p) => [p.step, p.contextFt] as const), colorSlot: i, dashed: r.seed % 2 === 1 });
    }
  });
  return lineChartSvg(series, { title: 'toylab: context answers on counterfactuals (ft subjects), baseline vs mitigations', xLabel: 'finetuning step', yLabel: 'context reliance', height: Math.max(360, 60 + series.length * 16) });
}

/** The mean curve per arm over its seeds, for one metric (the overlay of means). */
export function meanCurveSvg(runs: readonly MitigationRun[], metric: 'contextFt' | 'closedBook' | 'aligned', title: string): Promise<string> {
  const series: ChartSeries[] = [];
  MITIGATION_ARMS.forEach((a, i) => {
    const mine = runs.filter((x) => x.arm === a.id);
    if (mine.length === 0) return;
    const steps = mine[0]!.curve.map((p) => p.step).filter((step) => mine.every((r) => r.curve.some((p) => p.step === step)));
    series.push({ name: `${a.id} (mean of ${mine.length})`, points: steps.map((step) => [step, mean(mine.map((r) => r.curve.find((p) => p.step === step)![metric]))] as const), colorSlot: i });
  });
  return lineChartSvg(series, { title, xLabel: 'finetuning step', yLabel: metric === 'contextFt' ? 'context reliance' : 'accuracy' });
}

/** The files of the report folder, by name. */
export async function mitigationReportFiles(runs: readonly MitigationRun[]): Promise<Record<string, string>> {
  const doc = {
    schemaVersion: SCHEMA_VERSION, kind: 'toylab-mitigations',
    arms: MITIGATION_ARMS.map(({ id, description, transforms, params, reseedEvery }) => ({ id, description, transforms, params, ...(reseedEvery ? { reseedEvery } : {}) })),
    effects: armEffects(runs),
    runs: runs.map((r) => ({ arm: r.arm, seed: r.seed, data: r.data, transform: r.transform, verdict: summarizeRun(r).verdict, inDistributionFinal: inDistribution(last(r.curve)) })),
  };
  return {
    'mitigations.json': JSON.stringify(doc, null, 2) + '\n',
    'mitigations.csv': curveCsv(runs.map((r) => ({ extra: { arm: r.arm, seed: r.seed }, curve: r.curve }))),
    'mitigations.svg': await mitigationSvg(runs),
    'mean-context.svg': await meanCurveSvg(runs, 'contextFt', 'mean context reliance (ft subjects) per arm'),
    'mean-closed-book.svg': await meanCurveSvg(runs, 'closedBook', 'mean closed-book accuracy (QA template) per arm'),
  };
}

const pts = (xs: readonly number[]): string => {
  const m = mean(xs) * 100;
  return `${m >= 0 ? '+' : ''}${m.toFixed(1)} points (± ${(sd(xs) * 100).toFixed(1)})`;
};

/** One line per mitigation in words: its paired changes against the baseline, mean (± sd) over seeds. */
export function headlineMarkdown(runs: readonly MitigationRun[], effects: readonly ArmEffect[] = armEffects(runs)): string {
  const base = effects.find((e) => e.arm === 'baseline');
  const lines: string[] = [];
  if (base) lines.push(`- **baseline** (${base.seeds.length} seeds): peak context reliance ${(mean(base.peak) * 100).toFixed(1)}%, smoothed drop ${(mean(base.drop) * 100).toFixed(1)} points; inversion detected in ${base.detected} of ${base.seeds.length}.`);
  for (const e of effects.filter((x) => x.arm !== 'baseline')) {
    if (e.dDrop.length === 0) { lines.push(`- **${e.arm}**: no baseline run of the same seed under the same options yet.`); continue; }
    lines.push(`- **${e.arm}** (${e.dDrop.length} seeds, against the baseline of the same seed): drop ${pts(e.dDrop)}, peak ${pts(e.dPeak)}, final reliance ${pts(e.dFinal)}; cost at the end: aligned ${pts(e.dAligned)}, closed-book ${pts(e.dClosedBook)}; closed-book over the curve ${pts(e.dClosedBookMean)}, lowest ${(Math.min(...e.dClosedBookLowest) * 100).toFixed(1)} points; inversion detected in ${e.detected} of ${e.seeds.length}.`);
  }
  return lines.join('\n');
}

/** The generated blocks of docs/mitigations/README.md and of the root README's summary. */
export function mitigationBlocks(runs: readonly MitigationRun[]): { report: Record<string, string>; summary: Record<string, string> } {
  const effects = armEffects(runs);
  const headline = headlineMarkdown(runs, effects);
  return {
    report: { 'mitigations-headline': headline, 'mitigations-effects': effectsMarkdown(runs, effects).trimEnd(), 'mitigations-runs': runsMarkdown(runs).trimEnd(), 'mitigations-transforms': transformsMarkdown(runs).trimEnd() },
    summary: { 'mitigations-summary': headline },
  };
}
