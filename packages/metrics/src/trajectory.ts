// The shape of a curve over finetuning steps: where it peaks, how far it falls, whether it recovers.
// One smoothing and one peak rule, shared with the drop test so that the peak shown is the peak tested.
import { argmaxEarliest as argmax, smoothInto } from './stats/drop-test.ts';

/** One checkpoint's value; null where nothing was scored. */
export interface CurvePoint {
  step: number;
  value: number | null;
}

/** The summary numbers of a trajectory (InversionReport `trajectory`). */
export interface TrajectorySummary {
  firstStep: number | null;
  firstValue: number | null;
  /** Highest raw value (the earliest, on ties). */
  peakStep: number | null;
  peakValue: number | null;
  /** Peak of the curve averaged over +-k neighbouring checkpoints: robust to one noisy checkpoint. */
  smoothedPeakStep: number | null;
  smoothedPeakValue: number | null;
  finalStep: number | null;
  finalValue: number | null;
  smoothedFinalValue: number | null;
  /** Lowest value after the peak. */
  troughStep: number | null;
  troughValue: number | null;
  /** peak - final (raw). */
  drop: number | null;
  /** drop / peak. */
  relativeDrop: number | null;
  /** smoothed peak - smoothed final: the drop the verdict tests. */
  smoothedDrop: number | null;
  /** smoothed peak value - first value: the rise the verdict asks for (minRise). */
  rise: number | null;
  /** final - trough. */
  recovery: number | null;
  /** Trapezoidal area under the curve divided by the step span: the curve's mean level, in [0, 1]. */
  auc: number | null;
  /** The k actually used: at most (checkpoints - 1) / 4, so a window never spans half a short curve. */
  smoothing: number;
}

/**
 * Mean over the window of +-k checkpoints (truncated at the ends).
 * @example smoothCurve([1, 0, 1], 1) // [0.5, 0.666…, 0.5]
 */
export function smoothCurve(values: readonly number[], k: number): number[] {
  const out = new Float64Array(values.length);
  smoothInto(values, k, new Float64Array(values.length + 1), out);
  return [...out];
}

/**
 * Peak, trough, final, drop, recovery and area of a curve ordered by step. Points without a value are
 * left out. `smoothing` is k in "+-k checkpoints", capped at (checkpoints - 1) / 4 for short curves.
 */
export function summarizeTrajectory(points: readonly CurvePoint[], smoothing = 2): TrajectorySummary {
  const pts = points.filter((p): p is { step: number; value: number } => p.value !== null).sort((a, b) => a.step - b.step);
  if (pts.length === 0) {
    return {
      firstStep: null, firstValue: null, peakStep: null, peakValue: null, smoothedPeakStep: null, smoothedPeakValue: null,
      finalStep: null, finalValue: null, smoothedFinalValue: null, troughStep: null, troughValue: null, drop: null,
      relativeDrop: null, smoothedDrop: null, rise: null, recovery: null, auc: null, smoothing: 0,
    };
  }
  const values = pts.map((p) => p.value);
  const steps = pts.map((p) => p.step);
  const last = pts.length - 1;
  const peak = argmax(values);
  const k = Math.max(0, Math.min(smoothing, Math.floor(last / 4)));
  const smooth = smoothCurve(values, k);
  const sPeak = argmax(smooth);
  let trough = peak;
  for (let i = peak + 1; i <= last; i++) if (values[i]! < values[trough]!) trough = i;
  const peakValue = values[peak]!;
  const finalValue = values[last]!;
  const drop = peakValue - finalValue;
  let auc = values[0]!;
  if (last > 0) {
    let area = 0;
    for (let i = 1; i <= last; i++) area += ((values[i]! + values[i - 1]!) / 2) * (steps[i]! - steps[i - 1]!);
    const span = steps[last]! - steps[0]!;
    auc = span > 0 ? area / span : values.reduce((a, b) => a + b, 0) / values.length;
  }
  return {
    firstStep: steps[0]!, firstValue: values[0]!,
    peakStep: steps[peak]!, peakValue,
    smoothedPeakStep: steps[sPeak]!, smoothedPeakValue: smooth[sPeak]!,
    finalStep: steps[last]!, finalValue, smoothedFinalValue: smooth[last]!,
    troughStep: trough === peak ? null : steps[trough]!, troughValue: trough === peak ? null : values[trough]!,
    drop, relativeDrop: peakValue > 0 ? drop / peakValue : null,
    smoothedDrop: smooth[sPeak]! - smooth[last]!,
    rise: smooth[sPeak]! - values[0]!,
    recovery: trough === peak ? null : finalValue - values[trough]!,
    auc, smoothing: k,
  };
}
