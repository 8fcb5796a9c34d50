// A made-up object (faker): the model can have no memory of it, so only the context can support it.
import { fabricators } from './fabricate.ts';
import type { SubstitutionStrategy } from './types.ts';

const MAX_TRIES = 10;
const realSets = new WeakMap<readonly string[], Set<string>>();

export const fabricatedEntity: SubstitutionStrategy = {
  id: 'fabricated-entity',
  description: 'Replace the object with a fabricated entity of the same type (faker names and words).',
  appliesTo: (relation) => relation.numeric === undefined && relation.objectType in fabricators,
  substitute(_fact, { rng, faker, relation, typePool, acceptable }) {
    const make = fabricators[relation.objectType];
    if (!make) return undefined;
    let real = realSets.get(typePool);
    if (!real) realSets.set(typePool, (real = new Set(typePool)));
    for (let i = 0; i < MAX_TRIES; i++) {
      const candidate = make(faker, rng);
      if (!real.has(candidate) && acceptable(candidate)) return { object: candidate, params: { fabricated: true } };
    }
    return undefined;
  },
};
