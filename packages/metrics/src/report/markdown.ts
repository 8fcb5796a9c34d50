// The Markdown summary: verdicts first, then the per-checkpoint table and the per-category decomposition.
import type { InversionReport } from '@cpi-bench/schemas';
import { formatPValue } from '../stats/mcnemar.ts';
import { breakdownMarkdown } from './breakdown.ts';

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
  out.push('| run | scorer | peak (step) | final (step) | drop, points | McNemar p | verdict |', '|---|---|---|---|---|---|---|');
  for (const r of report.runs) {
    const t = r.trajectory;
    out.push(`| ${md(r.label)} | ${r.scorer} | ${pct(t.peakValue)} (${t.peakStep ?? '–'}) | ${pct(t.finalValue)} (${t.finalStep ?? '–'}) | ${pts(t['smoothedDrop'])} smoothed, ${pts(t.drop)} raw | ${r.mcnemar ? formatPValue(r.mcnemar.pValue) : '–'} | ${r.verdict.detected ? '**inversion**' : 'none'} |`);
  }
  for (const r of report.runs) {
    out.push('', `## ${md(r.label)}`, '', `Verdict: **${r.verdict.detected ? 'inversion detected' : 'no inversion'}**.`, '');
    for (const reason of r.verdict.reasons) out.push(`- ${reason}`);
    const hasBench = r.points.some((p) => p.benchmark !== undefined && p.benchmark !== null);
    const hasMC = r.points.some((p) => p.meanMC !== undefined && p.meanMC !== null);
    out.push('', `| step | context reliance [95% CI] | parametric reliance | aligned acc. | closed-book acc.${hasMC ? ' | mean M_C' : ''}${hasBench ? ' | benchmark' : ''} | n |`);
    out.push(`|---:|---|---|---|---${hasMC ? '|---' : ''}${hasBench ? '|---' : ''}|---:|`);
    for (const p of r.points) {
      const mark = p.step === r.trajectory.peakStep ? ' (peak)' : p.step === r.trajectory.smoothedPeakStep ? ' (smoothed peak)' : '';
      out.push(`| ${p.step}${mark} | ${pct(p.contextReliance.mean)}${ci(p.contextReliance.lo, p.contextReliance.hi)} | ${pct(p.parametricReliance.mean)} | ${pct(p.alignedAccuracy?.mean)} | ${pct(p.closedBookAccuracy?.mean)}${hasMC ? ` | ${p.meanMC?.toFixed(3) ?? '–'}` : ''}${hasBench ? ` | ${pct(p.benchmark)}` : ''} | ${p.contextReliance.n} |`);
    }
    out.push(...breakdownMarkdown(r));
    if (r.mcnemar) {
      out.push('', `Paired items between steps ${r.mcnemar.fromStep} and ${r.mcnemar.toStep}: ${r.mcnemar.ctxToPar} stopped following the context, ${r.mcnemar.parToCtx} started (exact McNemar p = ${formatPValue(r.mcnemar.pValue)}).`);
    }
    const scorers = r.trajectory['scorers'];
    if (scorers && typeof scorers === 'object') {
      out.push('', '| scorer | peak (step) | final | drop, points |', '|---|---|---|---|');
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
