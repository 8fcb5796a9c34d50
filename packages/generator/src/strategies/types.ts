import type { Faker } from '@faker-js/faker';
import type { Fact } from '@cpi-bench/schemas';
import type { Rng } from '../core/rng.ts';
import type { Relation } from '../facts/relations.ts';

/** What a strategy may draw on when it picks a substitute for one fact. */
export interface SubstitutionContext {
  rng: Rng;
  faker: Faker;
  relation: Relation;
  /** Every fact of the relation (not only the sampled ones), for popularity neighbours. */
  relationFacts: readonly Fact[];
  /** Distinct objects of the same answer type across the fact base, sorted. */
  typePool: readonly string[];
  /** Rejects candidates that would make scoring ambiguous (equal, nested or word-sharing answers). */
  acceptable(candidate: string): boolean;
}

export interface Substitution {
  object: string;
  params: Record<string, string | number | boolean | null>;
}

/** A way of choosing the counterfactual object (Longpre et al. 2021; ClashEval for graded numbers). */
export interface SubstitutionStrategy {
  id: string;
  description: string;
  /** Whether the strategy can serve this relation at all. */
  appliesTo(relation: Relation, facts: readonly Fact[]): boolean;
  /** A substitute of the same answer type, or undefined when none fits this fact. */
  substitute(fact: Fact, context: SubstitutionContext): Substitution | undefined;
}
