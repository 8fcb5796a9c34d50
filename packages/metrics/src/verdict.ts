// The inversion verdict: one reason per criterion (rise, drop, drop test, in-distribution benchmarks) and
// its outcome. Pure; buildInversionReport feeds it the trajectory, the drop test and the benchmark means.
import { formatPValue } from './stats/mcnemar.ts';
import type { TrajectorySummary } from './trajectory.ts';

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : `${(v * 100).toFixed(1)}%`;
}

/** The step of `byStep` nearest to `step` (the earlier on a tie); null when there is none. */
export function nearestStep(byStep: ReadonlyMap<number, number>, step: number): number | null {
  let best: number | null = null;
  for (const s of byStep.keys()) {
    if (best === null || Math.abs(s - step) < Math.abs(best - step) || (Math.abs(s - step) === Math.abs(best - step) && s < best)) best = s;
  }
  return best;
}

/** What the verdict found: all criteria met, all met but the benchmark one not applied, or not. */
export type VerdictOutcome = 'inversion' | 'drop-without-benchmarks' | 'none';

/** The verdict's name for each outcome: without benchmark scores, never "inversion". */
export const VERDICT_NAMES: Readonly<Record<VerdictOutcome, string>> = {
  inversion: 'inversion detected',
  'drop-without-benchmarks': 'drop detected; benchmark criterion not applied',
  none: 'no inversion',
};

/** The drop test as the verdict reads it. */
export interface VerdictDropTest {
  pValue: number;
  peakStep: number;
  finalStep: number;
  permuted: number;
  orderings: number;
}

/**
 * The inversion verdict and a reason per criterion (met or not). `detected` only when every criterion,
 * the benchmark one included, was applied and met; when all others are met but no benchmark scores cover
 * the peak and the final checkpoint, the outcome is "drop detected; benchmark criterion not applied".
 */
export function decideInversion(args: {
  trajectory: TrajectorySummary;
  dropTest: VerdictDropTest | null;
  benchmarkByStep: ReadonlyMap<number, number>;
  dropThreshold: number;
  /** @default 0.05 */
  minRise?: number;
  alpha: number;
  benchmarkTolerance: number;
}): { detected: boolean; outcome: VerdictOutcome; name: string; reasons: string[] } {
  const t = args.trajectory;
  const minRise = args.minRise ?? 0.05;
  const reasons: string[] = [];
  if (t.smoothedPeakStep === null || t.finalStep === null || t.smoothedDrop === null || t.smoothedPeakValue === null || t.firstValue === null) {
    return { detected: false, outcome: 'none', name: VERDICT_NAMES.none, reasons: ['no conflict items were scored, so there is no context-reliance curve'] };
  }
  let ok = true;
  const rise = t.smoothedPeakValue - t.firstValue;
  const rose = t.smoothedPeakStep !== t.firstStep && rise >= minRise - 1e-12;
  reasons.push(t.smoothedPeakStep === t.firstStep
    ? `no rise: the (smoothed) peak is the first checkpoint, step ${t.firstStep}`
    : `${rose ? 'rose' : 'rise too small'}: context reliance rose ${(rise * 100).toFixed(1)} points from ${pct(t.firstValue)} at step ${t.firstStep} to its smoothed peak ${pct(t.smoothedPeakValue)} at step ${t.smoothedPeakStep} (minimum ${(minRise * 100).toFixed(1)})`);
  ok &&= rose;
  const bigDrop = t.smoothedDrop >= args.dropThreshold;
  reasons.push(`${bigDrop ? 'drop' : 'drop too small'}: ${(t.smoothedDrop * 100).toFixed(1)} points from the smoothed peak to the final checkpoint (threshold ${(args.dropThreshold * 100).toFixed(1)})`);
  ok &&= bigDrop;
  if (args.dropTest) {
    const d = args.dropTest;
    const sig = d.pValue < args.alpha;
    reasons.push(`${sig ? 'significant' : 'not significant'}: drop test p = ${formatPValue(d.pValue)} (alpha ${args.alpha}): the fall from step ${d.peakStep} to ${d.finalStep} ranked among ${d.orderings} orders of the ${d.permuted} checkpoints after the peak that keep the same peak`);
    ok &&= sig;
  } else {
    reasons.push('no drop test: the peak is the final checkpoint');
    ok = false;
  }
  // Benchmarks are often run at a coarser cadence than the conflict evaluation: use the nearest step.
  const peakB = nearestStep(args.benchmarkByStep, t.smoothedPeakStep);
  const finalB = nearestStep(args.benchmarkByStep, t.finalStep);
  let benchmarkApplied = false;
  if (args.benchmarkByStep.size === 0) {
    reasons.push('no in-distribution benchmark scores given: that criterion was not applied, so an inversion cannot be confirmed');
  } else if (peakB === null || finalB === null || peakB === finalB) {
    reasons.push(`benchmark scores do not cover steps ${t.smoothedPeakStep} to ${t.finalStep} at two different checkpoints: that criterion was not applied`);
  } else {
    benchmarkApplied = true;
    const bPeak = args.benchmarkByStep.get(peakB)!;
    const bFinal = args.benchmarkByStep.get(finalB)!;
    const held = bFinal >= bPeak - args.benchmarkTolerance;
    const at = `${pct(bPeak)} at step ${peakB}, ${pct(bFinal)} at step ${finalB}`;
    reasons.push(held
      ? `in-distribution benchmarks did not fall (${at})`
      : `in-distribution benchmarks fell too (${at}): a general degradation, not an inversion`);
    ok &&= held;
  }
  const outcome: VerdictOutcome = !ok ? 'none' : benchmarkApplied ? 'inversion' : 'drop-without-benchmarks';
  return { detected: outcome === 'inversion', outcome, name: VERDICT_NAMES[outcome], reasons };
}
