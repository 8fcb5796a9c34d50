// Every substitution strategy, by id. Add one by writing its file and listing it here (a test checks that
// each strategy file is registered).
import { CpiError } from '@cpi-bench/schemas';
import { fabricatedEntity } from './fabricated-entity.ts';
import { numericPerturbation } from './numeric-perturbation.ts';
import { popularityMatched } from './popularity-matched.ts';
import { sameTypeSwap } from './same-type-swap.ts';
import type { SubstitutionStrategy } from './types.ts';

export const substitutionStrategies: readonly SubstitutionStrategy[] = Object.freeze([sameTypeSwap, popularityMatched, fabricatedEntity, numericPerturbation]);

export const strategyIds: readonly string[] = substitutionStrategies.map((s) => s.id);

/**
 * The strategies with these ids, in registry order.
 * @throws CpiError CPI_UNKNOWN_STRATEGY listing the valid ids.
 */
export function getStrategies(ids: readonly string[]): SubstitutionStrategy[] {
  const unknown = ids.filter((id) => !strategyIds.includes(id));
  if (unknown.length > 0) {
    throw new CpiError('CPI_UNKNOWN_STRATEGY', `unknown substitution strateg${unknown.length === 1 ? 'y' : 'ies'}: ${unknown.join(', ')}`, {
      hint: `valid strategies: ${strategyIds.join(', ')}`,
    });
  }
  return substitutionStrategies.filter((s) => ids.includes(s.id));
}
