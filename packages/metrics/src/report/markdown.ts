// The Markdown summary: verdicts first, then the per-checkpoint table and the per-category decomposition.
import type { InversionReport } from '@cpi-bench/schemas';
import { formatPValue } from '../stats/mcnemar.ts';
import { breakdownMarkdown } from './breakdown.ts';
import { dropTestP, smoothingPhrase, testedPeak, verdictName } from './verdict-text.ts';

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`;
}
function pts(v: unknown): string {
  return typeof v === 'number' ? (v * 100).toFixed(1) : '–';
}
function ci(lo: number | null, hi: number | null): string {
  return lo === null || hi === null ? '' : ` [${(lo * 100).toFixed(1)}, ${(hi * 100).toFixed(1)}]`;
}
function md(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** The report as Markdown (summary.md). */
export function summaryMarkdown(report: InversionReport): string {
  const out: string[] = ['# Context-parametric inversion report', ''];
  if (report.createdAt) out.push(`Created ${report.createdAt}.`, '');
  out.push('| run | scorer | smoothed peak, tested (step) | raw peak (step) | final (step) | drop, points | drop test p | verdict |', '|---|---|---|---|---|---|---|---|');
  for (const r of report.runs) {
    const t = r.trajectory;
    const peak = testedPeak(r);
    out.push(`| ${md(r.label)} | ${r.scorer} | ${pct(peak.value)} (${peak.step ?? '–'}) | ${pct(t.peakValue)} (${t.peakStep ?? '–'}) | ${pct(t.finalValue)} (${t.finalStep ?? '–'}) | ${pts(t['smoothedDrop'])} smoothed, ${pts(t.drop)} raw | ${dropTestP(r)} | ${r.verdict.detected ? `**${verdictName(r)}**` : verdictName(r)} |`);
  }
  const test = report.settings?.['verdictTest'];
  if (typeof test === 'string') out.push('', `Drop test: ${test}.`);
  for (const r of report.runs) {
    out.push('', `## ${md(r.label)}`, '', `Verdict: **${verdictName(r)}**. Peak and drop are ${smoothingPhrase(r)}.`, '');
    for (const reason of r.verdict.reasons) out.push(`- ${reason}`);
    const hasBench = r.points.some((p) => p.benchmark !== undefined && p.benchmark !== null);
    const hasMC = r.points.some((p) => p.meanMC !== undefined && p.meanMC !== null);
    out.push('', `| step | context reliance [95% CI] | parametric reliance | aligned acc. | closed-book acc.${hasMC ? ' | mean M_C' : ''}${hasBench ? ' | benchmark' : ''} | n |`);
    out.push(`|---:|---|---|---|---${hasMC ? '|---' : ''}${hasBench ? '|---' : ''}|---:|`);
    const peak = testedPeak(r);
    for (const p of r.points) {
      // The smoothed peak's row says its smoothed value: that is the value the verdict tests.
      const mark = [p.step === r.trajectory.peakStep ? 'raw peak' : '', p.step === peak.step ? `smoothed peak ${pct(peak.value)}, tested` : ''].filter(Boolean).join('; ');
      out.push(`| ${p.step}${mark ? ` (${mark})` : ''} | ${pct(p.contextReliance.mean)}${ci(p.contextReliance.lo, p.contextReliance.hi)} | ${pct(p.parametricReliance.mean)} | ${pct(p.alignedAccuracy?.mean)} | ${pct(p.closedBookAccuracy?.mean)}${hasMC ? ` | ${p.meanMC?.toFixed(3) ?? '–'}` : ''}${hasBench ? ` | ${pct(p.benchmark)}` : ''} | ${p.contextReliance.n} |`);
    }
    if (r.dropTest) {
      out.push('', `Drop test: p = ${dropTestP(r)}, the fall after step ${r.dropTest.peakStep} ranked among ${r.dropTest.orderings} ${r.dropTest.exact ? 'orders (all enumerated)' : `orders (seeded draws, seed ${r.dropTest.seed})`} of the ${r.dropTest.permuted} checkpoints after the peak that keep the same peak.`);
    }
    out.push(...breakdownMarkdown(r));
    if (r.mcnemar) {
      out.push('', `Paired items between steps ${r.mcnemar.fromStep} and ${r.mcnemar.toStep} (descriptive): ${r.mcnemar.ctxToPar} stopped following the context, ${r.mcnemar.parToCtx} started (exact McNemar p = ${formatPValue(r.mcnemar.pValue)}, not valid after choosing the peak, so not the verdict's test).`);
    }
    const scorers = r.trajectory['scorers'];
    if (scorers && typeof scorers === 'object') {
      out.push('', '| scorer | raw peak (step) | final | drop, points (raw) |', '|---|---|---|---|');
      for (const [id, v] of Object.entries(scorers as Record<string, { peakStep: number | null; peakValue: number | null; finalValue: number | null; drop: number | null }>)) {
        out.push(`| ${id} | ${pct(v.peakValue)} (${v.peakStep ?? '–'}) | ${pct(v.finalValue)} | ${pts(v.drop)} |`);
      }
    }
    if (r.perCategory && r.perCategory.length > 0) {
      const first = r.perCategory[0]!;
      out.push('', `| category | n | step ${String(first['peakStep'] ?? '–')} | step ${String(first['finalStep'] ?? '–')} | drop, points | share of drop | own peak (step) |`, '|---|---:|---|---|---|---|---|');
      for (const c of r.perCategory) {
        const own = c['own'] as { peakStep: number | null; peakValue: number | null } | undefined;
        out.push(`| ${md(c.category)} | ${c.n} | ${pct(c.peakValue)} | ${pct(c.finalValue)} | ${pts(c.drop)} | ${pct(c.shareOfDrop)} | ${own ? `${pct(own.peakValue)} (${own.peakStep ?? '–'})` : '–'} |`);
      }
    }
  }
  return out.join('\n') + '\n';
}
