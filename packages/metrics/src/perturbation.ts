// Context reliance broken down by substitution strategy and perturbation level, as ClashEval plots reliance
// against how far the context strays from the truth: at the first checkpoint, the (smoothed) peak and the
// final one. Labelled variants (conflict_mp, conflict_absurd) get rows of their own, marked as outside the
// headline rate, so a reader sees what the headline leaves out and why.
import type { ConflictItem } from '@cpi-bench/schemas';
import { CTX_BIT, type ScoredRun } from './scoring.ts';

/** One strategy x level (x variant) cell of the breakdown. */
export interface PerturbationRow {
  strategy: string;
  /** The perturbation level (mild, moderate, absurd), or "-" for a strategy without levels. */
  level: string;
  /** The labelled variant, or null for headline items. */
  variant: string | null;
  /** Whether these items count toward the headline conflict rate. */
  headline: boolean;
  /** Items scored at both the peak and the final checkpoint. */
  n: number;
  first: number | null;
  peak: number | null;
  final: number | null;
  /** peak - final, in proportion points. */
  drop: number | null;
}

const LEVEL_ORDER = ['mild', 'moderate', 'absurd'];

function cellOf(item: ConflictItem): { strategy: string; level: string; variant: string | null } {
  const level = item.substitution?.params?.['level'];
  return { strategy: item.substitution?.strategy ?? 'none', level: typeof level === 'string' ? level : '-', variant: item.variant ?? null };
}

/**
 * The breakdown for one scorer over the conflict items (and their variants), at three steps. `mask` keeps
 * only the known-facts view's items where given (variants have no known-facts view and are left out then).
 * @example perturbationBreakdown(scored, 'containment', { first: 0, peak: 300, final: 1000 }, null)
 */
export function perturbationBreakdown(run: ScoredRun, scorerId: string, steps: { first: number; peak: number; final: number }, mask: Uint8Array | null): PerturbationRow[] {
  const perStep = run.byScorer.get(scorerId);
  if (!perStep) return [];
  const cells = new Map<string, { key: ReturnType<typeof cellOf>; members: number[] }>();
  run.items.forEach((p, i) => {
    // The known-facts mask is 0 for variants too: they have no known-facts view.
    if (p.item.split !== 'conflict' || (mask && mask[i] === 0)) return;
    const key = cellOf(p.item);
    const id = `${key.strategy}\u0000${key.level}\u0000${key.variant ?? ''}`;
    const cell = cells.get(id) ?? { key, members: [] };
    cell.members.push(i);
    cells.set(id, cell);
  });
  const rate = (step: number, members: readonly number[]): number | null => {
    const s = perStep.get(step);
    if (!s) return null;
    let n = 0, ctx = 0;
    for (const i of members) {
      if (s.error[i] === 1 || s.label[i] === 0) continue;
      n++;
      if ((s.hits[i]! & CTX_BIT) !== 0) ctx++;
    }
    return n === 0 ? null : ctx / n;
  };
  const rows = [...cells.values()].map(({ key, members }) => {
    const scoredAt = (step: number) => perStep.get(step);
    const both = members.filter((i) => [steps.peak, steps.final].every((st) => { const s = scoredAt(st); return s !== undefined && s.error[i] === 0 && s.label[i] !== 0; }));
    const peak = rate(steps.peak, members);
    const final = rate(steps.final, members);
    return { ...key, headline: key.variant === null, n: both.length, first: rate(steps.first, members), peak, final, drop: peak !== null && final !== null ? peak - final : null };
  });
  const levelRank = (l: string) => (LEVEL_ORDER.includes(l) ? LEVEL_ORDER.indexOf(l) : LEVEL_ORDER.length);
  return rows.sort((a, b) => Number(b.headline) - Number(a.headline) || a.strategy.localeCompare(b.strategy) || levelRank(a.level) - levelRank(b.level) || a.level.localeCompare(b.level) || (a.variant ?? '').localeCompare(b.variant ?? ''));
}
