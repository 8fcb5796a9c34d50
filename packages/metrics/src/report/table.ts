// The compact plain-text view of a report that `npx run report` prints.
import type { InversionReport } from '@cpi-bench/schemas';
import { knownFactsSentence } from './breakdown.ts';
import { formatPValue } from '../stats/mcnemar.ts';
import { dropTestP, smoothingOf, smoothingPhrase, testedPeak, verdictName } from './verdict-text.ts';

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
    const peak = testedPeak(run);
    const smoothed = smoothingOf(run) > 0;
    const running = Array.isArray(inProgress) && inProgress.includes(run.label) ? '  [run.lock present: still running or crashed]' : '';
    lines.push(`${run.label}  (scorer: ${run.scorer})${running}`);
    const hasBench = run.points.some((p) => p.benchmark !== undefined && p.benchmark !== null);
    const hasMC = run.points.some((p) => p.meanMC !== undefined && p.meanMC !== null);
    lines.push(`  ${'step'.padStart(8)}  ${'context'.padStart(6)}  ${'95% CI'.padEnd(14)}  ${'param.'.padStart(6)}${hasMC ? '   M_C ' : ''}${hasBench ? `  ${'bench'.padStart(6)}` : ''}       n`);
    for (const p of run.points) {
      // The smoothed peak is the one the verdict tests; its row says its smoothed value, not the raw one.
      const mark = [
        p.step === t.peakStep ? 'raw peak' : '',
        p.step === peak.step ? `smoothed peak ${pct(peak.value).trim()} (tested)` : '',
        p.step === t.finalStep ? `final${typeof t['smoothedFinalValue'] === 'number' && smoothed ? ` (smoothed ${pct(t['smoothedFinalValue']).trim()})` : ''}` : '',
      ].filter(Boolean).join(', ');
      const c = p.contextReliance;
      lines.push(`  ${String(p.step).padStart(8)}  ${pct(c.mean)}  ${ci(c.lo, c.hi).padEnd(14)}  ${pct(p.parametricReliance.mean)}${hasMC ? `  ${p.meanMC === null || p.meanMC === undefined ? '   -  ' : p.meanMC.toFixed(3).padStart(6)}` : ''}${hasBench ? `  ${pct(p.benchmark)}` : ''}  ${String(c.n).padStart(6)}${mark ? ` <- ${mark}` : ''}`);
    }
    const drop = t['smoothedDrop'];
    lines.push(`  raw: peak ${pct(t.peakValue).trim()} at step ${t.peakStep ?? '-'}, final ${pct(t.finalValue).trim()}, drop ${t.drop === null ? '-' : (t.drop * 100).toFixed(1)} points`);
    lines.push(`  ${smoothingPhrase(run)} (tested): peak ${pct(peak.value).trim()} at step ${peak.step ?? '-'}, drop ${typeof drop === 'number' ? (drop * 100).toFixed(1) : '-'} points`);
    if (run.dropTest) lines.push(`  drop test: p = ${dropTestP(run)} (${run.dropTest.orderings} orders of the ${run.dropTest.permuted} checkpoints after the peak)`);
    if (run.mcnemar) lines.push(`  peak vs final, descriptive: ${run.mcnemar.ctxToPar} items stopped following the context, ${run.mcnemar.parToCtx} started (McNemar p = ${formatPValue(run.mcnemar.pValue)}, not valid after choosing the peak)`);
    const known = knownFactsSentence(run);
    if (known) lines.push(`  ${known}`);
    lines.push(`  verdict: ${run.verdict.detected ? verdictName(run).toUpperCase() : verdictName(run)}`);
    for (const r of run.verdict.reasons) lines.push(`    - ${r}`);
    lines.push('');
  }
  return lines.join('\n').trimEnd() + '\n';
}
