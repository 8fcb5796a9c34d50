// Every scorer, by id. Reports show them side by side; a test checks that each scorer file is listed here.
import { CpiError } from '@cpi-bench/schemas';
import { containmentScorer } from './containment.ts';
import { logprobPerTokenScorer, logprobScorer } from './logprob.ts';
import { orderedScorer } from './ordered.ts';
import type { Scorer } from './types.ts';

/** The scorer registry, in report order. */
export const scorers: readonly Scorer[] = [containmentScorer, orderedScorer, logprobScorer, logprobPerTokenScorer];

/** Looks a scorer up by id; throws CPI_UNKNOWN_SCORER listing the valid ids. */
export function getScorer(id: string): Scorer {
  const s = scorers.find((x) => x.id === id);
  if (!s) throw new CpiError('CPI_UNKNOWN_SCORER', `unknown scorer "${id}"`, { hint: `use one of: ${scorers.map((x) => x.id).join(', ')}` });
  return s;
}
