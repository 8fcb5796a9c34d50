// The few phrases every report view (console, Markdown, HTML, plot) shares, so that all of them name the
// verdict, the tested peak and the smoothing the same way the verdict does.
import type { InversionReport } from '@cpi-bench/schemas';
import { formatPValue } from '../stats/mcnemar.ts';

type ReportRun = InversionReport['runs'][number];

/** The verdict's name ("inversion detected", "drop detected; benchmark criterion not applied", "no inversion"). */
export function verdictName(run: ReportRun): string {
  return run.verdict.name ?? (run.verdict.detected ? 'inversion detected' : 'no inversion');
}

/** The k the trajectory actually used (0 where the curve was too short to smooth). */
export function smoothingOf(run: ReportRun): number {
  const k = run.trajectory['smoothing'];
  return typeof k === 'number' ? k : 0;
}

/** "smoothed over ±2 checkpoints", or "not smoothed (too few checkpoints)" where k is 0. */
export function smoothingPhrase(run: ReportRun): string {
  const k = smoothingOf(run);
  return k === 0 ? 'not smoothed (too few checkpoints)' : `smoothed over ±${k} checkpoint${k === 1 ? '' : 's'}`;
}

/** The peak the verdict tests: the smoothed peak, with its smoothed value. */
export function testedPeak(run: ReportRun): { step: number | null; value: number | null } {
  return { step: run.trajectory.smoothedPeakStep ?? null, value: run.trajectory.smoothedPeakValue ?? null };
}

/** "p = 0.0123" of the verdict's drop test, or "–" where there was none. */
export function dropTestP(run: ReportRun, none = '–'): string {
  return run.dropTest ? formatPValue(run.dropTest.pValue) : none;
}
