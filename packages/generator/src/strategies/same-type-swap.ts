// The canonical entity substitution (Longpre et al. 2021): another real object of the same answer type.
import type { SubstitutionStrategy } from './types.ts';

const MAX_TRIES = 20;

export const sameTypeSwap: SubstitutionStrategy = {
  id: 'same-type-swap',
  description: 'Replace the object with another real object of the same answer type from the fact base.',
  appliesTo: (relation) => relation.numeric === undefined,
  substitute(_fact, { rng, typePool, acceptable }) {
    for (let i = 0; i < MAX_TRIES && typePool.length > 1; i++) {
      const candidate = rng.pick(typePool);
      if (acceptable(candidate)) return { object: candidate, params: { poolSize: typePool.length } };
    }
    return undefined;
  },
};
