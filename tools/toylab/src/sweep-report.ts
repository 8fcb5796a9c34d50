// The lab sweep's settings (the paper's §4-5 knobs, one at a time around configuration H) and its report:
// the product's verdict per setting and seed, mean and spread per setting, overlaid curves. Pure;
// io/sweep.ts runs and writes it.
import type { ProbePoint } from './probe.ts';
import { curveCsv } from './curve.ts';
import { f2, pm, pv } from './format.ts';
import { inDistribution, labVerdict, type LabVerdict } from './lab-verdict.ts';
import type { LabOptions } from './options.ts';
import { lineChartSvg, type ChartSeries } from './svg-chart.ts';

export interface SweepSetting { id: string; description: string; options: Partial<LabOptions> }

/** The grid: non-CC share 0/25/50/75%, fresh versus memorisable unknown answers, 10% counterfactuals. */
export const SWEEP_SETTINGS: readonly SweepSetting[] = [
  { id: 'ncc-0', description: 'non-CC 0% (context-critical only), memorisable unknowns', options: { nonContextCriticalShare: 0 } },
  { id: 'ncc-25', description: 'non-CC 25%, memorisable unknowns', options: { nonContextCriticalShare: 0.25 } },
  { id: 'ncc-50', description: 'non-CC 50%, memorisable unknowns (configuration H)', options: { nonContextCriticalShare: 0.5 } },
  { id: 'ncc-75', description: 'non-CC 75%, memorisable unknowns', options: { nonContextCriticalShare: 0.75 } },
  { id: 'fresh-50', description: 'non-CC 50%, fresh unknown answers (truly context-critical)', options: { nonContextCriticalShare: 0.5, memorisableUnknowns: false } },
  { id: 'cf-10', description: 'non-CC 40% + 10% counterfactual examples', options: { nonContextCriticalShare: 0.4, counterfactualShare: 0.1 } },
];

export interface SweepRun { setting: string; seed: number; pretrainSteps: number; curve: ProbePoint[]; verdict: LabVerdict; heldOutVerdict: LabVerdict; seconds: number }


/** A run with the product's verdict on its curve (finetuning subjects and held-out known subjects). */
export function sweepRun(setting: string, seed: number, pretrainSteps: number, curve: ProbePoint[], seconds: number): SweepRun {
  return { setting, seed, pretrainSteps, curve, verdict: labVerdict(curve), heldOutVerdict: labVerdict(curve, 'contextHeldOut'), seconds };
}

/** The markdown tables of the sweep: every setting x seed, then mean ± sd per setting. */
export function sweepMarkdown(runs: readonly SweepRun[], settings: readonly SweepSetting[] = SWEEP_SETTINGS): string {
  const lines = [
    '| setting | seed | steps | ctx at 0 | peak (step) | final | smoothed drop | drop test p | parametric rise | in-distribution peak → final | verdict | held-out subjects: drop, p |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of settings) {
    const rs = runs.filter((r) => r.setting === s.id);
    if (rs.length === 0) { lines.push(`| ${s.id} | – | not run | | | | | | | | | |`); continue; }
    for (const r of rs) {
      const v = r.verdict, h = r.heldOutVerdict, last = r.curve[r.curve.length - 1]!;
      lines.push(`| ${s.id} | ${r.seed} | ${last.step} | ${f2(r.curve[0]!.contextFt)} | ${f2(v.peak)} (${v.peakStep}) | ${f2(v.final)} | ${f2(v.drop)} | ${pv(v.pValue)} | ${v.parametricRise >= 0 ? '+' : ''}${f2(v.parametricRise)} | ${f2(v.inDistributionAtPeak)} → ${f2(v.inDistributionFinal)} | ${v.name} | ${f2(h.drop)}, ${pv(h.pValue)} |`);
    }
  }
  lines.push('', '| setting | seeds | inversion detected | peak | final | smoothed drop | parametric rise | final in-distribution |', '|---|---|---|---|---|---|---|---|');
  for (const s of settings) {
    const rs = runs.filter((r) => r.setting === s.id);
    if (rs.length === 0) continue;
    lines.push(`| ${s.id} | ${rs.length} | ${rs.filter((r) => r.verdict.detected).length}/${rs.length} | ${pm(rs.map((r) => r.verdict.peak))} | ${pm(rs.map((r) => r.verdict.final))} | ${pm(rs.map((r) => r.verdict.drop))} | ${pm(rs.map((r) => r.verdict.parametricRise))} | ${pm(rs.map((r) => inDistribution(r.curve[r.curve.length - 1]!)))} |`);
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
  return curveCsv(runs.map((r) => ({ extra: { setting: r.setting, seed: r.seed }, curve: r.curve })));
}
