// Reads a probe curve as the paper reads its plots: did counterfactual context reliance rise and then fall
// while the training-distribution skills held? Thresholds are fixed before looking at any run.
import type { ProbePoint } from './experiment.ts';

/** A change smaller than this is probe noise (the probe sets hold ~50-130 items; see toy-prototype.md). */
export const NOISE = 0.1;

export interface CurveVerdict {
  peakStep: number;
  peak: number;
  final: number;
  drop: number;
  /** Reliance rose by more than NOISE above its step-0 value. */
  rose: boolean;
  /** Reliance ended more than NOISE below its peak. */
  fell: boolean;
  /** Parametric answers on counterfactuals rose over the fall (peak step -> final). */
  parametricRise: number;
  /** Lowest aligned / closed-book (template) accuracy after the peak: were the trained skills intact during the fall? */
  alignedAfterPeak: number;
  closedBookAfterPeak: number;
  /** Lowest closed-book accuracy in pretraining phrasing after the peak (is the memory still there?). */
  closedBookPretrainingAfterPeak: number;
  inverted: boolean;
  /** One line for humans. */
  text: string;
}

/** Verdict on `contextFt` (reliance on finetuning-subject counterfactuals) over a finetuning curve. */
export function curveVerdict(curve: readonly ProbePoint[], metric: 'contextFt' | 'contextHeldOut' = 'contextFt'): CurveVerdict {
  const start = curve[0];
  if (!start) throw new Error('empty curve');
  let peakPoint = start;
  for (const p of curve) if (p[metric] > peakPoint[metric]) peakPoint = p;
  const last = curve[curve.length - 1] ?? start;
  const after = curve.filter((p) => p.step >= peakPoint.step);
  const paramKey = metric === 'contextFt' ? 'parametricFt' : 'parametricHeldOut';
  const drop = peakPoint[metric] - last[metric];
  const rose = peakPoint[metric] > start[metric] + NOISE;
  const fell = drop > NOISE;
  const v = {
    peakStep: peakPoint.step, peak: peakPoint[metric], final: last[metric], drop, rose, fell,
    parametricRise: last[paramKey] - peakPoint[paramKey],
    alignedAfterPeak: Math.min(...after.map((p) => p.aligned)),
    closedBookAfterPeak: Math.min(...after.map((p) => p.closedBook)),
    closedBookPretrainingAfterPeak: Math.min(...after.map((p) => p.closedBookPretraining)),
    inverted: rose && fell,
  };
  const text = v.inverted
    ? `rise then fall: ${metric} ${start[metric].toFixed(2)} -> peak ${v.peak.toFixed(2)} at step ${v.peakStep} -> ${v.final.toFixed(2)} (drop ${drop.toFixed(2)}; parametric +${v.parametricRise.toFixed(2)})`
    : rose
      ? `rise without a fall beyond noise: ${metric} peak ${v.peak.toFixed(2)} at step ${v.peakStep}, final ${v.final.toFixed(2)} (drop ${drop.toFixed(2)} <= ${NOISE})`
      : `no rise: ${metric} stayed within ${NOISE} of ${start[metric].toFixed(2)} (peak ${v.peak.toFixed(2)})`;
  return { ...v, text };
}

/** CSV of a probe curve. */
export function curveCsv(curve: readonly ProbePoint[], extra: Record<string, string | number> = {}): string {
  const keys = ['step', 'loss', 'contextFt', 'parametricFt', 'contextHeldOut', 'parametricHeldOut', 'aligned', 'closedBook', 'closedBookPretraining', 'unknownContext'] as const;
  const extraKeys = Object.keys(extra);
  const rows = [[...extraKeys, ...keys].join(',')];
  for (const p of curve) rows.push([...extraKeys.map((k) => String(extra[k])), ...keys.map((k) => (Number.isFinite(p[k]) ? Number(p[k].toFixed(4)) : ''))].join(','));
  return rows.join('\n') + '\n';
}
