// One self-contained HTML file for sharing a report: the plot as inline SVG, the tables as HTML, inline CSS,
// nothing fetched. It opens offline, attached to an e-mail or an issue.
import type { InversionReport } from '@cpi-bench/schemas';
import { formatPValue } from '../stats/mcnemar.ts';
import { breakdownHtml } from './breakdown.ts';
import { ITEMS_VIEW_STYLE } from './items-view.ts';
import { dropTestP, smoothingPhrase, testedPeak, verdictName } from './verdict-text.ts';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`;
}
function pts(v: unknown): string {
  return typeof v === 'number' ? (v * 100).toFixed(1) : '–';
}

const STYLE = `body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f4f4f4}td.l,th.l{text-align:left}.yes{color:#b00020;font-weight:bold}.no{color:#2e7d32;font-weight:bold}
tr.peak td{background:#fff4e0}tr.chosen td{background:#eef4ff}svg{max-width:100%;height:auto}details{margin:1em 0}code{font-size:12px}`;

/** The report as one HTML page; `svg` is the rendered plot, embedded as is. */
export function reportHtml(report: InversionReport, svg: string, itemsView = ''): string {
  const h: string[] = [];
  h.push('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Context-parametric inversion report</title>');
  h.push(`<style>${STYLE}\n${ITEMS_VIEW_STYLE}</style></head><body>`);
  h.push('<h1>Context-parametric inversion report</h1>');
  if (report.createdAt) h.push(`<p>Created ${escapeHtml(report.createdAt)}.</p>`);
  h.push('<table><tr><th class="l">run</th><th class="l">scorer</th><th>smoothed peak, tested (step)</th><th>raw peak (step)</th><th>final (step)</th><th>drop, points (smoothed)</th><th>drop test p</th><th class="l">verdict</th></tr>');
  for (const r of report.runs) {
    const t = r.trajectory;
    const peak = testedPeak(r);
    h.push(`<tr><td class="l">${escapeHtml(r.label)}</td><td class="l">${escapeHtml(r.scorer)}</td><td>${pct(peak.value)} (${peak.step ?? '–'})</td><td>${pct(t.peakValue)} (${t.peakStep ?? '–'})</td><td>${pct(t.finalValue)} (${t.finalStep ?? '–'})</td><td>${pts(t['smoothedDrop'])}</td><td>${dropTestP(r)}</td><td class="l ${r.verdict.detected ? 'yes' : 'no'}">${escapeHtml(verdictName(r))}</td></tr>`);
  }
  h.push('</table>');
  const test = report.settings?.['verdictTest'];
  if (typeof test === 'string') h.push(`<p>Drop test: ${escapeHtml(test)}.</p>`);
  h.push(`<figure>${svg.replace(/^<\?xml[^>]*>/, '')}</figure>`);
  for (const r of report.runs) {
    h.push(`<h2>${escapeHtml(r.label)}</h2><p>Verdict: <b>${escapeHtml(verdictName(r))}</b>. Peak and drop are ${escapeHtml(smoothingPhrase(r))}.</p><ul>${r.verdict.reasons.map((x) => `<li>${escapeHtml(x)}</li>`).join('')}</ul>`);
    const peak = testedPeak(r);
    const hasBench = r.points.some((p) => p.benchmark !== undefined && p.benchmark !== null);
    h.push(`<table><tr><th>step</th><th>context reliance</th><th>95% interval</th><th>parametric reliance</th><th>aligned acc.</th><th>closed-book acc.</th><th>mean M_C</th>${hasBench ? '<th>benchmark</th>' : ''}<th>n</th></tr>`);
    for (const p of r.points) {
      const c = p.contextReliance;
      // The highlighted row is the peak the verdict tests, and it says its smoothed value.
      const mark = [p.step === r.trajectory.peakStep ? 'raw peak' : '', p.step === peak.step ? `smoothed peak ${pct(peak.value)}, tested` : ''].filter(Boolean).join('; ');
      h.push(`<tr${p.step === peak.step ? ' class="peak"' : ''}><td>${p.step}${mark ? ` (${escapeHtml(mark)})` : ''}</td><td>${pct(c.mean)}</td><td>${c.lo === null || c.hi === null ? '–' : `${pct(c.lo)} – ${pct(c.hi)}`}</td><td>${pct(p.parametricReliance.mean)}</td><td>${pct(p.alignedAccuracy?.mean)}</td><td>${pct(p.closedBookAccuracy?.mean)}</td><td>${p.meanMC?.toFixed(3) ?? '–'}</td>${hasBench ? `<td>${pct(p.benchmark)}</td>` : ''}<td>${c.n}</td></tr>`);
    }
    h.push('</table>');
    if (r.perCategory && r.perCategory.length > 0) {
      const first = r.perCategory[0]!;
      h.push(`<table><tr><th class="l">category</th><th>n</th><th>step ${escapeHtml(String(first['peakStep'] ?? '–'))}</th><th>step ${escapeHtml(String(first['finalStep'] ?? '–'))}</th><th>drop, points</th><th>share of drop</th></tr>`);
      for (const c of r.perCategory) h.push(`<tr><td class="l">${escapeHtml(c.category)}</td><td>${c.n}</td><td>${pct(c.peakValue)}</td><td>${pct(c.finalValue)}</td><td>${pts(c.drop)}</td><td>${pct(c.shareOfDrop)}</td></tr>`);
      h.push('</table>');
    }
    h.push(scorersHtml(r), knownFactsHtml(r));
    h.push(breakdownHtml(r));
    if (r.mcnemar) {
      const m = r.mcnemar;
      h.push(`<details><summary>${m.ctxToPar} items stopped following the context between steps ${m.fromStep} and ${m.toStep}; ${m.parToCtx} started (descriptive; McNemar p = ${formatPValue(m.pValue)} is not valid after choosing the peak)</summary>`);
      h.push(`<p>Stopped: <code>${escapeHtml((m.flipsCtxToPar ?? []).slice(0, 200).join(', '))}${(m.flipsCtxToPar?.length ?? 0) > 200 ? ', …' : ''}</code></p>`);
      h.push(`<p>Started: <code>${escapeHtml((m.flipsParToCtx ?? []).slice(0, 200).join(', '))}${(m.flipsParToCtx?.length ?? 0) > 200 ? ', …' : ''}</code></p></details>`);
    }
  }
  if (itemsView) h.push(itemsView);
  h.push(`<details><summary>Settings</summary><pre>${escapeHtml(JSON.stringify(report.settings ?? {}, null, 2))}</pre></details>`);
  h.push('</body></html>\n');
  return h.join('\n');
}

type Run = InversionReport['runs'][number];

/** The scorers side by side (summary.md's table): they can disagree, and a reader should see where. */
function scorersHtml(r: Run): string {
  const scorers = r.trajectory['scorers'] as Record<string, { peakStep: number | null; peakValue: number | null; finalValue: number | null; drop: number | null }> | undefined;
  if (!scorers || Object.keys(scorers).length === 0) return '';
  const rows = Object.entries(scorers).map(([id, v]) => `<tr${id === r.scorer ? ' class="chosen"' : ''}><td class="l">${escapeHtml(id)}${id === r.scorer ? ' (the verdict\'s)' : ''}</td><td>${pct(v.peakValue)} (${v.peakStep ?? '–'})</td><td>${pct(v.finalValue)}</td><td>${pts(v.drop)}</td></tr>`);
  return `<table class="scorers"><caption>Context reliance by scorer</caption><tr><th class="l">scorer</th><th>raw peak (step)</th><th>final</th><th>drop, points (raw)</th></tr>${rows.join('')}</table>`;
}

/** The known-facts view beside the full one: conflicts whose closed-book probe the first checkpoint answered. */
function knownFactsHtml(r: Run): string {
  const k = r.trajectory['knownFacts'] as { n: number; peakStep: number | null; peakValue: number | null; finalValue: number | null; drop: number | null } | undefined;
  if (!k) return '';
  return `<table class="known-facts"><caption>Known facts only (n = ${k.n} conflicts whose closed-book probe the first checkpoint answered)</caption><tr><th>raw peak (step)</th><th>final</th><th>drop, points (raw)</th></tr><tr><td>${pct(k.peakValue)} (${k.peakStep ?? '–'})</td><td>${pct(k.finalValue)}</td><td>${pts(k.drop)}</td></tr></table>`;
}
