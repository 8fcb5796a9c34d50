// Graded perturbation of numbers and years, from mild to absurd (as in ClashEval): the degree of the
// change is recorded, so reliance can be plotted against how implausible the context is.
import type { SubstitutionStrategy } from './types.ts';

/** Levels, mildest first, with the range of the change for years and for small integers. */
export const PERTURBATION_LEVELS = [
  { level: 'mild', year: [1, 5], integer: [1, 3] },
  { level: 'moderate', year: [15, 60], integer: [5, 20] },
  { level: 'absurd', year: [400, 1500], integer: [150, 900] },
] as const;

export const numericPerturbation: SubstitutionStrategy = {
  id: 'numeric-perturbation',
  description: 'Shift a number or year by a graded amount: mild (a few), moderate (tens), absurd (hundreds).',
  appliesTo: (relation) => relation.numeric !== undefined,
  substitute(fact, { rng, relation, acceptable }) {
    const value = Number(fact.object);
    if (!Number.isInteger(value)) return undefined;
    const spec = rng.pick(PERTURBATION_LEVELS);
    const [lo, hi] = relation.numeric === 'year' ? spec.year : spec.integer;
    const magnitude = rng.between(lo, hi);
    // Go down only where the result stays positive (and, for years, not in the future for mild changes).
    const sign = value - magnitude > 0 && rng.chance(0.5) ? -1 : 1;
    const delta = sign * magnitude;
    const object = String(value + delta);
    if (!acceptable(object)) return undefined;
    return { object, params: { level: spec.level, delta } };
  },
};
