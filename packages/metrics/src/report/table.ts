// The compact plain-text view of a report that `npx run report` prints.
import type { InversionReport } from '@cpi-bench/schemas';
import { knownFactsSentence } from './breakdown.ts';

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '   -  ' : `${(v * 100).toFixed(1).padStart(5)}%`;
}

function ci(lo: number | null, hi: number | null): string {
  return lo === null || hi === null ? '' : `[${(lo * 100).toFixed(1)}, ${(hi * 100).toFixed(1)}]`;
}

/**
 * Context reliance per checkpoint for each run (with its 95% interval, parametric reliance and, where
 * present, the benchmark mean), the peak marked, then the verdict and its reasons.
 * @example console.log(formatTrajectoryTable(report));
 */
export function formatTrajectoryTable(report: InversionReport): string {
  const lines: string[] = [];
  const inProgress = report.settings?.['runsInProgress'];
  for (const run of report.runs) {
    const t = run.trajectory;
    const running = Array.isArray(inProgress) && inProgress.includes(run.label) ? '  [run.lock present: still running or crashed]' : '';
    lines.push(`${run.label}  (scorer: ${run.scorer})${running}`);
    const hasBench = run.points.some((p) => p.benchmark !== undefined && p.benchmark !== null);
    const hasMC = run.points.some((p) => p.meanMC !== undefined && p.meanMC !== null);
    lines.push(`  ${'step'.padStart(8)}  ${'context'.padStart(6)}  ${'95% CI'.padEnd(14)}  ${'param.'.padStart(6)}${hasMC ? '   M_C ' : ''}${hasBench ? `  ${'bench'.padStart(6)}` : ''}       n`);
    for (const p of run.points) {
      const mark = [p.step === t.peakStep ? 'peak' : '', p.step === t.smoothedPeakStep ? 'smoothed peak' : '', p.step === t.finalStep ? 'final' : ''].filter(Boolean).join(', ');
      const c = p.contextReliance;
      lines.push(`  ${String(p.step).padStart(8)}  ${pct(c.mean)}  ${ci(c.lo, c.hi).padEnd(14)}  ${pct(p.parametricReliance.mean)}${hasMC ? `  ${p.meanMC === null || p.meanMC === undefined ? '   -  ' : p.meanMC.toFixed(3).padStart(6)}` : ''}${hasBench ? `  ${pct(p.benchmark)}` : ''}  ${String(c.n).padStart(6)}${mark ? ` <- ${mark}` : ''}`);
    }
    const drop = t['smoothedDrop'];
    lines.push(`  peak ${pct(t.peakValue).trim()} at step ${t.peakStep ?? '-'}, final ${pct(t.finalValue).trim()}, drop ${t.drop === null ? '-' : (t.drop * 100).toFixed(1)} points (smoothed over +-k checkpoints: ${typeof drop === 'number' ? (drop * 100).toFixed(1) : '-'})`);
    const known = knownFactsSentence(run);
    if (known) lines.push(`  ${known}`);
    lines.push(`  verdict: ${run.verdict.detected ? 'INVERSION DETECTED' : 'no inversion'}`);
    for (const r of run.verdict.reasons) lines.push(`    - ${r}`);
    lines.push('');
  }
  return lines.join('\n').trimEnd() + '\n';
}
