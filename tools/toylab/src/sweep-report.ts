// The lab sweep's settings (one factor changed at a time from configuration H) and its report: verdicts
// per seed, mean and spread per setting, overlaid curves. Pure; io/sweep.ts runs and writes it.
import type { ProbePoint } from './experiment.ts';
import type { LabOptions } from './options.ts';
import { lineChartSvg, type ChartSeries } from './svg-chart.ts';
import { curveVerdict, type CurveVerdict } from './verdict.ts';

export interface SweepSetting { id: string; description: string; options: Partial<LabOptions> }

/** The grid, one factor at a time around H (non-CC 50%, memorisable unknowns, no counterfactuals). */
export const SWEEP_SETTINGS: readonly SweepSetting[] = [
  { id: 'ncc-0', description: 'non-CC 0% (context-critical only), memorisable unknowns', options: { nonContextCriticalShare: 0 } },
  { id: 'ncc-50', description: 'non-CC 50%, memorisable unknowns (configuration H)', options: { nonContextCriticalShare: 0.5 } },
  { id: 'ncc-90', description: 'non-CC 90%, memorisable unknowns', options: { nonContextCriticalShare: 0.9 } },
  { id: 'fresh-50', description: 'non-CC 50%, fresh unknown answers (truly context-critical)', options: { nonContextCriticalShare: 0.5, memorisableUnknowns: false } },
  { id: 'cf-10', description: 'non-CC 40% + 10% counterfactual examples', options: { nonContextCriticalShare: 0.4, counterfactualShare: 0.1 } },
];

export interface SweepRun { setting: string; seed: number; pretrainSteps: number; curve: ProbePoint[]; verdict: CurveVerdict; heldOutVerdict: CurveVerdict; seconds: number }

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const sd = (xs: readonly number[]): number => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};
const pm = (xs: readonly number[]): string => `${mean(xs).toFixed(2)} ± ${sd(xs).toFixed(2)}`;

export function sweepRun(setting: string, seed: number, pretrainSteps: number, curve: ProbePoint[], seconds: number): SweepRun {
  return { setting, seed, pretrainSteps, curve, verdict: curveVerdict(curve), heldOutVerdict: curveVerdict(curve, 'contextHeldOut'), seconds };
}

/** The markdown table of the sweep: per setting, seeds, inverted count, peak/final/drop as mean ± sd. */
export function sweepMarkdown(runs: readonly SweepRun[], settings: readonly SweepSetting[] = SWEEP_SETTINGS): string {
  const lines = [
    '| setting | seeds | rose & fell (ft) | peak ctx_ft | final ctx_ft | drop | final param_ft | drop (held-out) | min aligned after peak | min closed-book (pretraining phrasing) after peak |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of settings) {
    const rs = runs.filter((r) => r.setting === s.id);
    if (rs.length === 0) { lines.push(`| ${s.id} | 0 | not run | | | | | | | |`); continue; }
    const last = (r: SweepRun) => r.curve[r.curve.length - 1]!;
    lines.push(`| ${s.id} | ${rs.map((r) => r.seed).join(',')} | ${rs.filter((r) => r.verdict.inverted).length}/${rs.length} | ${pm(rs.map((r) => r.verdict.peak))} | ${pm(rs.map((r) => r.verdict.final))} | ${pm(rs.map((r) => r.verdict.drop))} | ${pm(rs.map((r) => last(r).parametricFt))} | ${pm(rs.map((r) => r.heldOutVerdict.drop))} | ${pm(rs.map((r) => r.verdict.alignedAfterPeak))} | ${pm(rs.map((r) => r.verdict.closedBookPretrainingAfterPeak))} |`);
  }
  return lines.join('\n') + '\n';
}

/** Overlaid context-reliance curves (ft subjects), one colour per setting, one line per seed. */
export function sweepSvg(runs: readonly SweepRun[], settings: readonly SweepSetting[] = SWEEP_SETTINGS): Promise<string> {
  const series: ChartSeries[] = [];
  settings.forEach((s, i) => {
    for (const r of runs.filter((x) => x.setting === s.id)) {
      series.push({ name: `${s.id} seed ${r.seed}`, points: r.curve.map((p) => [p.step, p.contextFt] as const), colorSlot: i, dashed: r.seed % 2 === 1 });
    }
  });
  return lineChartSvg(series, { title: 'toylab sweep: context answers on counterfactuals (ft subjects)', xLabel: 'finetuning step', yLabel: 'context reliance', height: Math.max(360, 60 + series.length * 16) });
}

/** One CSV of every curve point of every run. */
export function sweepCsv(runs: readonly SweepRun[]): string {
  const keys = ['step', 'loss', 'contextFt', 'parametricFt', 'contextHeldOut', 'parametricHeldOut', 'aligned', 'closedBook', 'closedBookPretraining', 'unknownContext'] as const;
  const rows = [['setting', 'seed', ...keys].join(',')];
  for (const r of runs) for (const p of r.curve) rows.push([r.setting, r.seed, ...keys.map((k) => (Number.isFinite(p[k]) ? Number(p[k].toFixed(4)) : ''))].join(','));
  return rows.join('\n') + '\n';
}
