// The report sections beside the headline curve: the known-facts view with its n, and context reliance by
// substitution strategy and perturbation level (variants apart). Markdown and HTML render the same rows.
import type { InversionReport } from '@cpi-bench/schemas';
import type { PerturbationRow } from '../perturbation.ts';
// A cycle with html.ts, safe: only function declarations cross it, and they are called after loading.
import { escapeHtml } from './html.ts';

type ReportRun = InversionReport['runs'][number];
interface KnownFacts { n: number; peakStep: number | null; peakValue: number | null; finalValue: number | null; drop: number | null }

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`;
}
function pts(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : (v * 100).toFixed(1);
}

function knownFactsOf(run: ReportRun): KnownFacts | undefined {
  const k = run.trajectory['knownFacts'];
  return k && typeof k === 'object' ? (k as KnownFacts) : undefined;
}
function rowsOf(run: ReportRun): PerturbationRow[] {
  const rows = run.trajectory['byStrategyLevel'];
  return Array.isArray(rows) ? (rows as PerturbationRow[]) : [];
}

/** One sentence on the known-facts view, or undefined when the run has none. */
export function knownFactsSentence(run: ReportRun): string | undefined {
  const k = knownFactsOf(run);
  if (!k) return undefined;
  return `Known facts only (n = ${k.n} conflicts whose closed-book probe the first checkpoint answered): peak ${pct(k.peakValue)} at step ${k.peakStep ?? '–'}, final ${pct(k.finalValue)}, drop ${pts(k.drop)} points.`;
}

const HEAD = ['strategy', 'level', 'variant', 'in headline', 'n'];

/** Markdown lines: the known-facts sentence and the strategy x level table. */
export function breakdownMarkdown(run: ReportRun): string[] {
  const out: string[] = [];
  const known = knownFactsSentence(run);
  if (known) out.push('', known);
  const rows = rowsOf(run);
  const t = run.trajectory;
  if (rows.length > 0) {
    out.push('', 'Context reliance by substitution strategy and perturbation level (labelled variants are outside the headline rate):', '');
    out.push(`| ${[...HEAD, `step ${t.firstStep ?? '–'}`, `step ${t['smoothedPeakStep'] ?? '–'} (peak)`, `step ${t.finalStep ?? '–'}`, 'drop, points'].join(' | ')} |`, '|---|---|---|---|---:|---|---|---|---|');
    for (const r of rows) out.push(`| ${r.strategy} | ${r.level} | ${r.variant ?? '–'} | ${r.headline ? 'yes' : 'no'} | ${r.n} | ${pct(r.first)} | ${pct(r.peak)} | ${pct(r.final)} | ${pts(r.drop)} |`);
  }
  return out;
}

/** HTML: the known-facts sentence and the strategy x level table. */
export function breakdownHtml(run: ReportRun): string {
  const h: string[] = [];
  const known = knownFactsSentence(run);
  if (known) h.push(`<p>${escapeHtml(known)}</p>`);
  const rows = rowsOf(run);
  const t = run.trajectory;
  if (rows.length > 0) {
    h.push('<p>Context reliance by substitution strategy and perturbation level (labelled variants are outside the headline rate):</p>');
    const cols = [...HEAD, `step ${t.firstStep ?? '–'}`, `step ${String(t['smoothedPeakStep'] ?? '–')} (peak)`, `step ${t.finalStep ?? '–'}`, 'drop, points'];
    h.push(`<table><tr>${cols.map((c, i) => `<th${i < 4 ? ' class="l"' : ''}>${escapeHtml(c)}</th>`).join('')}</tr>`);
    for (const r of rows) {
      h.push(`<tr><td class="l">${escapeHtml(r.strategy)}</td><td class="l">${escapeHtml(r.level)}</td><td class="l">${escapeHtml(r.variant ?? '–')}</td><td class="l">${r.headline ? 'yes' : 'no'}</td><td>${r.n}</td><td>${pct(r.first)}</td><td>${pct(r.peak)}</td><td>${pct(r.final)}</td><td>${pts(r.drop)}</td></tr>`);
    }
    h.push('</table>');
  }
  return h.join('\n');
}
