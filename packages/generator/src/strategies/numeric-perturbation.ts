// Graded perturbation of numbers and years, from mild to absurd (as in ClashEval): the degree of the
// change is recorded, so reliance can be plotted against how implausible the context is.
import type { SubstitutionStrategy } from './types.ts';

/** Levels, mildest first, with the range of the change for years and for small integers. Absurd changes make the
 * conflict item the labelled variant conflict_absurd, kept out of the headline rate. */
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
    const down = rng.chance(0.5);
    // Mild and moderate changes stay plausible (no year in the future or before 1000, no element past 118):
    // take the drawn direction where it stays in range, else the other. Absurd changes are implausible on
    // purpose and only kept positive.
    const [min, max] = spec.level === 'absurd' ? [1, Number.POSITIVE_INFINITY] : relation.plausibleRange ?? [1, Number.POSITIVE_INFINITY];
    const fits = (v: number) => v >= min && v <= max;
    const sign = down && fits(value - magnitude) ? -1 : fits(value + magnitude) ? 1 : fits(value - magnitude) ? -1 : 0;
    if (sign === 0) return undefined;
    const delta = sign * magnitude;
    const object = String(value + delta);
    if (!acceptable(object)) return undefined;
    return { object, params: { level: spec.level, delta } };
  },
};
