// The lab's reading of a probe curve, through the product's one definition of an inversion: metrics'
// summarizeTrajectory, its selection-valid drop test and decideInversion, with the lab's in-distribution
// accuracy per checkpoint as the benchmark criterion (as the paper checks its benchmarks did not fall).
import { decideInversion, dropPermutationTest, summarizeTrajectory, type VerdictOutcome } from '@cpi-bench/metrics';
import type { ProbePoint } from './probe.ts';

/**
 * The bar for "the inversion appears": a smoothed drop of at least 10 points, the drop test at
 * p < 0.01, a rise of at least 5 points, in-distribution accuracy not falling by more than 2 points.
 */
export const LAB_VERDICT_SETTINGS = Object.freeze({ dropThreshold: 0.1, alpha: 0.01, minRise: 0.05, benchmarkTolerance: 0.02, smoothing: 2, draws: 9999, seed: 0 });

export interface LabVerdict {
  outcome: VerdictOutcome;
  /** The product's name of the outcome ("inversion detected", "no inversion", ...). */
  name: string;
  detected: boolean;
  reasons: string[];
  /** The smoothed peak the verdict tested, its value and the final value (raw). */
  peakStep: number;
  peak: number;
  final: number;
  /** Smoothed peak - smoothed final: the drop the verdict reads. */
  drop: number;
  /** The drop test's p-value; null when the peak is the final checkpoint. */
  pValue: number | null;
  /** Parametric answers on the same counterfactuals, final minus at the peak. */
  parametricRise: number;
  /** In-distribution accuracy (mean of aligned and unknown-subject context accuracy) at the peak and the end. */
  inDistributionAtPeak: number;
  inDistributionFinal: number;
}

/** In-distribution accuracy of a probe point: what finetuning teaches, on items it did not train on. */
export const inDistribution = (p: ProbePoint): number => (p.aligned + p.unknownContext) / 2;

/** The verdict on `contextFt` (finetuning subjects) or `contextHeldOut` over a finetuning curve. */
export function labVerdict(curve: readonly ProbePoint[], metric: 'contextFt' | 'contextHeldOut' = 'contextFt', settings = LAB_VERDICT_SETTINGS): LabVerdict {
  if (curve.length === 0) throw new Error('empty curve');
  const sorted = [...curve].sort((a, b) => a.step - b.step);
  const trajectory = summarizeTrajectory(sorted.map((p) => ({ step: p.step, value: p[metric] })), settings.smoothing);
  const test = dropPermutationTest(sorted.map((p) => p[metric]), { smoothing: trajectory.smoothing, seed: settings.seed, draws: settings.draws });
  const finalPoint = sorted[sorted.length - 1]!;
  const dropTest = test ? { pValue: test.pValue, peakStep: sorted[test.peakIndex]!.step, finalStep: finalPoint.step, permuted: test.permuted, orderings: test.orderings } : null;
  const benchmarkByStep = new Map(sorted.map((p) => [p.step, inDistribution(p)]));
  const v = decideInversion({ trajectory, dropTest, benchmarkByStep, dropThreshold: settings.dropThreshold, minRise: settings.minRise, alpha: settings.alpha, benchmarkTolerance: settings.benchmarkTolerance });
  const peakPoint = sorted.find((p) => p.step === trajectory.smoothedPeakStep) ?? sorted[0]!;
  const paramKey = metric === 'contextFt' ? 'parametricFt' : 'parametricHeldOut';
  return {
    outcome: v.outcome, name: v.name, detected: v.detected, reasons: v.reasons,
    peakStep: peakPoint.step, peak: peakPoint[metric], final: finalPoint[metric], drop: trajectory.smoothedDrop ?? 0,
    pValue: test?.pValue ?? null,
    parametricRise: finalPoint[paramKey] - peakPoint[paramKey],
    inDistributionAtPeak: inDistribution(peakPoint), inDistributionFinal: inDistribution(finalPoint),
  };
}

/** One line for humans. */
export function verdictLine(v: LabVerdict): string {
  const p = v.pValue === null ? 'no test' : `p = ${v.pValue < 0.001 ? v.pValue.toExponential(1) : v.pValue.toFixed(3)}`;
  return `${v.name}: peak ${v.peak.toFixed(2)} at step ${v.peakStep} -> final ${v.final.toFixed(2)} (smoothed drop ${v.drop.toFixed(2)}, ${p}; parametric ${v.parametricRise >= 0 ? '+' : ''}${v.parametricRise.toFixed(2)}; in-distribution ${v.inDistributionAtPeak.toFixed(2)} -> ${v.inDistributionFinal.toFixed(2)})`;
}
