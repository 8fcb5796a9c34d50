// Swaps in the object of a fact with a similar popularity (city population), so a model cannot reject the
// substitute merely because it is obscure next to the true answer.
import type { Fact } from '@cpi-bench/schemas';
import type { SubstitutionStrategy } from './types.ts';

const NEIGHBOURS = 4;
const sortedCache = new WeakMap<readonly Fact[], Fact[]>();

/** The facts with a popularity, ascending (ties by id), computed once per fact list. */
function byPopularity(facts: readonly Fact[]): Fact[] {
  let sorted = sortedCache.get(facts);
  if (!sorted) {
    sorted = facts.filter((f) => f.popularity !== undefined).sort((a, b) => (a.popularity as number) - (b.popularity as number) || (a.id < b.id ? -1 : 1));
    sortedCache.set(facts, sorted);
  }
  return sorted;
}

/** First index whose popularity is >= value. */
function lowerBound(sorted: readonly Fact[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (((sorted[mid] as Fact).popularity as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const popularityMatched: SubstitutionStrategy = {
  id: 'popularity-matched',
  description: 'Replace the object with that of the fact whose popularity proxy (population) is closest.',
  appliesTo: (relation, facts) => relation.numeric === undefined && facts.some((f) => f.popularity !== undefined),
  substitute(fact, { rng, relationFacts, acceptable }) {
    const own = fact.popularity;
    if (own === undefined) return undefined;
    // Walk outwards from the fact's place in the popularity order until enough acceptable neighbours.
    const sorted = byPopularity(relationFacts);
    let lo = lowerBound(sorted, own) - 1;
    let hi = lo + 1;
    const ranked: Fact[] = [];
    const distance = (f: Fact | undefined) => (f ? Math.abs(Math.log((f.popularity as number) + 1) - Math.log(own + 1)) : Number.POSITIVE_INFINITY);
    while (ranked.length < NEIGHBOURS && (lo >= 0 || hi < sorted.length)) {
      const takeLow = distance(sorted[lo]) <= distance(sorted[hi]);
      const f = (takeLow ? sorted[lo--] : sorted[hi++]) as Fact;
      if (f.id !== fact.id && acceptable(f.object)) ranked.push(f);
    }
    if (ranked.length === 0) return undefined;
    const chosen = rng.pick(ranked);
    return { object: chosen.object, params: { popularity: own, substitutePopularity: chosen.popularity ?? null, neighbourOf: chosen.subject } };
  },
};
