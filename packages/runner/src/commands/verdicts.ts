import type { InversionReport } from '@cpi-bench/schemas';

/** One run's verdict as the JSON summaries of `benchmark` and `report` print it. */
export interface RunVerdict {
  label: string;
  /** An inversion: every criterion, the in-distribution benchmark one included, applied and met. */
  detected: boolean;
  /** 'inversion', 'drop-without-benchmarks' (all met, but no benchmark scores to check) or 'none'. */
  outcome: string;
  /** The outcome in words, as the reports print it ("drop detected; benchmark criterion not applied"). */
  name: string;
  /** The step of the peak the verdict tested (the smoothed peak) and the drop test's p-value there. */
  testedPeakStep: number | null;
  dropTestP: number | null;
  reasons: string[];
}

/** A one-line verdict per run of a report, for the JSON summaries of `benchmark` and `report`. */
export function verdicts(report: InversionReport): RunVerdict[] {
  return report.runs.map((r) => ({
    label: r.label,
    detected: r.verdict.detected,
    outcome: r.verdict.outcome ?? (r.verdict.detected ? 'inversion' : 'none'),
    name: r.verdict.name ?? (r.verdict.detected ? 'inversion detected' : 'no inversion'),
    testedPeakStep: r.trajectory.smoothedPeakStep ?? null,
    dropTestP: r.dropTest?.pValue ?? null,
    reasons: r.verdict.reasons,
  }));
}
