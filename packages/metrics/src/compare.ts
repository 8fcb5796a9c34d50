// Two runs of the same items, checkpoint by checkpoint (a baseline and a mitigated finetuning): the change
// in context reliance on the conflict items both runs scored, with the exact McNemar test on the paired
// items (stats/mcnemar.ts, the report's one definition). Each step is tested on its own, as given: no step
// was chosen from the data, so the p-values are valid one by one (read many of them with care).
import { CpiError, type ConflictItem, type PredictionRecord } from '@cpi-bench/schemas';
import { mcnemarExact } from './stats/mcnemar.ts';
import { CTX_BIT, reportingSplit, scoreRun, type ScoredRun } from './scoring.ts';
import { getScorer } from './scorers/registry.ts';

export interface CompareRow {
  step: number;
  /** Conflict items both runs have a verdict for at this step. */
  n: number;
  relianceA: number | null;
  relianceB: number | null;
  /** relianceB - relianceA (a proportion). */
  difference: number | null;
  /** Items following the context in A but not in B, and the other way round. */
  onlyA: number;
  onlyB: number;
  pValue: number;
}

export interface CompareResult {
  scorer: string;
  rows: CompareRow[];
  /** Steps only one run has. */
  unpairedSteps: number[];
}

function pickScorer(a: ScoredRun, b: ScoredRun): string {
  for (const id of ['containment', 'logprob']) if (a.byScorer.has(id) && b.byScorer.has(id)) return id;
  throw new CpiError('CPI_NOTHING_TO_COMPARE', 'the two runs have no scorer in common (one ran only score mode, the other only generate mode)', { hint: 'run both in the same --mode' });
}

/**
 * Per checkpoint step both runs have: context reliance in each, the difference and McNemar's p.
 * @example compareRuns({ items, records: baseline }, { items, records: mitigated }).rows[0].difference
 */
export function compareRuns(
  a: { items: readonly ConflictItem[]; records: readonly PredictionRecord[] },
  b: { items: readonly ConflictItem[]; records: readonly PredictionRecord[] },
  options: { scorer?: string } = {},
): CompareResult {
  const sa = scoreRun(a.items, a.records);
  const sb = scoreRun(b.items, b.records);
  const scorer = options.scorer ?? pickScorer(sa, sb);
  getScorer(scorer);
  const pa = sa.byScorer.get(scorer);
  const pb = sb.byScorer.get(scorer);
  if (!pa || !pb) throw new CpiError('CPI_NOTHING_TO_COMPARE', `scorer ${scorer} has no verdicts in ${pa ? 'the second' : 'the first'} run`, { hint: 'pick a scorer both runs support (--scorer)' });
  const pairs: [number, number][] = [];
  sa.items.forEach((p, i) => {
    if (reportingSplit(p.item) !== 'conflict') return;
    const j = sb.itemIndex.get(p.item.id);
    if (j !== undefined) pairs.push([i, j]);
  });
  if (pairs.length === 0) throw new CpiError('CPI_NOTHING_TO_COMPARE', 'the two runs share no conflict item (by id)', { hint: 'compare runs over the same dataset' });
  const steps = sa.steps.filter((s) => sb.steps.includes(s));
  const rows = steps.map((step): CompareRow => {
    const x = pa.get(step);
    const y = pb.get(step);
    let n = 0, ctxA = 0, ctxB = 0, onlyA = 0, onlyB = 0;
    for (const [i, j] of pairs) {
      if (!x || !y || x.label[i] === 0 || y.label[j] === 0) continue;
      n++;
      const ia = (x.hits[i]! & CTX_BIT) !== 0;
      const ib = (y.hits[j]! & CTX_BIT) !== 0;
      if (ia) ctxA++;
      if (ib) ctxB++;
      if (ia && !ib) onlyA++;
      if (ib && !ia) onlyB++;
    }
    const relianceA = n > 0 ? ctxA / n : null;
    const relianceB = n > 0 ? ctxB / n : null;
    return { step, n, relianceA, relianceB, difference: relianceA !== null && relianceB !== null ? relianceB - relianceA : null, onlyA, onlyB, pValue: mcnemarExact(onlyA, onlyB) };
  });
  const unpairedSteps = [...sa.steps, ...sb.steps].filter((s) => !steps.includes(s)).sort((p, q) => p - q);
  return { scorer, rows, unpairedSteps };
}
