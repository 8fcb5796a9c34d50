// The verdict's drop test is valid after choosing the peak: on curves with no fall after the peak it calls
// a drop significant at most alpha of the time, and it finds a clear rise-then-fall. The old test (exact
// McNemar between the chosen peak and the final checkpoint) is shown failing the same bound.
import { describe, expect, it } from 'vitest';
import { dropPermutationTest } from '../src/index.ts';
import { binomialUpperBound, FLAT, rejectionRates, RISE_THEN_FALL, type SimScenario } from './fixtures/verdict-sim.ts';

const ALPHA = 0.05;
const SIMS = 300;
/**
 * Random orders per test: few, to keep the file fast. A Monte Carlo permutation p-value (1 + hits) /
 * (1 + kept orders) is valid for any number of draws; more draws only make it finer.
 */
const DRAWS = 199;
/**
 * If the true false-positive rate were exactly alpha, more rejections than this in SIMS series would occur
 * with probability below 0.1% (the binomial upper quantile): the tolerance the simulated rate is held to.
 * With 300 series it is 28 (9.3%): 5% plus 3.4 binomial standard deviations (1.26 points each).
 */
const MAX_REJECTIONS = binomialUpperBound(SIMS, ALPHA, 0.001);
const SIM_TIMEOUT_MS = 60_000;

const PLATEAU = (t: number): number => (t < 0.25 ? 0.3 + (0.4 * t) / 0.25 : 0.7);
const scenario = (checkpoints: number, curve: SimScenario['curve'], noise: SimScenario['noise'], checkpointSd: number): SimScenario => ({ checkpoints, items: 400, curve, noise, checkpointSd });

describe('the drop test on simulated curves', () => {
  it.each([
    ['flat, item noise only', 11, FLAT, 'independent', 0],
    ['flat, item noise only', 21, FLAT, 'independent', 0],
    ['flat, checkpoints drifting (sd 2 points)', 11, FLAT, 'persistent', 0.02],
    ['flat, checkpoints drifting (sd 2 points)', 21, FLAT, 'persistent', 0.02],
    ['rise, then a drifting plateau', 21, PLATEAU, 'persistent', 0.02],
  ] as const)('false positives on "%s" over %i checkpoints stay within alpha', (_name, checkpoints, curve, noise, sd) => {
    const rates = rejectionRates(scenario(checkpoints, curve, noise, sd), { sims: SIMS, seed: 7, alpha: ALPHA, draws: DRAWS, withSmoothedDrop: false });
    expect(rates.new * SIMS).toBeLessThanOrEqual(MAX_REJECTIONS);
  }, SIM_TIMEOUT_MS);

  it('the old McNemar test at the chosen peak fails the same bound when checkpoints drift', () => {
    const rates = rejectionRates(scenario(21, FLAT, 'persistent', 0.02), { sims: SIMS, seed: 7, alpha: ALPHA, draws: DRAWS, withSmoothedDrop: false });
    expect(rates.old * SIMS).toBeGreaterThan(MAX_REJECTIONS);
  }, SIM_TIMEOUT_MS);

  it.each([[11, 0.8], [21, 0.95]])('has power on a clear rise-then-fall over %i checkpoints (at least %f)', (checkpoints, power) => {
    const rates = rejectionRates(scenario(checkpoints, RISE_THEN_FALL, 'persistent', 0.02), { sims: 100, seed: 11, alpha: ALPHA, draws: DRAWS, withSmoothedDrop: false });
    expect(rates.new).toBeGreaterThanOrEqual(power);
  }, SIM_TIMEOUT_MS);
});

describe('dropPermutationTest', () => {
  it('enumerates every order of a few post-peak checkpoints: a steady fall is the most extreme of 5! = 120', () => {
    const r = dropPermutationTest([0.2, 0.9, 0.6, 0.55, 0.5, 0.45, 0.4], { smoothing: 0 })!;
    expect(r).toMatchObject({ peakIndex: 1, permuted: 5, orderings: 120, exact: true, statistic: 'slope' });
    expect(r.pValue).toBeCloseTo(1 / 120, 12);
    expect(r.observed).toBeCloseTo(0.05, 12);
  });

  it('counts only orders that keep the same peak', () => {
    // 0.85 next to the peak would lift the smoothed value of its neighbour above the peak's in some orders.
    const r = dropPermutationTest([0.2, 0.7, 0.9, 0.85, 0.3, 0.3, 0.3, 0.3], { smoothing: 1 })!;
    expect(r.peakIndex).toBe(2);
    expect(r.orderings).toBeLessThan(120);
    expect(r.orderings).toBeGreaterThan(0);
  });

  it('gives p = 1 with one checkpoint after the peak and nothing when the peak is the last', () => {
    expect(dropPermutationTest([0.2, 0.9, 0.5], { smoothing: 0 })).toMatchObject({ pValue: 1, orderings: 1 });
    expect(dropPermutationTest([0.2, 0.5, 0.9], { smoothing: 0 })).toBeNull();
  });

  it('draws seeded orders for long series: reproducible, seed-dependent, never below 1 / (kept + 1)', () => {
    // A rise, then a slight fall under a jagged pattern: a p-value in between, so the draws show.
    const values = Array.from({ length: 30 }, (_, i) => (i < 5 ? 0.3 + i * 0.1 : 0.7 - (i - 5) * 0.001 + ((i * 7919) % 13) / 400));
    const a = dropPermutationTest(values, { smoothing: 2, seed: 1, draws: 999 })!;
    expect(a).toMatchObject({ exact: false, permuted: 20, seed: 1 });
    expect(dropPermutationTest(values, { smoothing: 2, seed: 1, draws: 999 })).toEqual(a);
    expect(dropPermutationTest(values, { smoothing: 2, seed: 2, draws: 999 })!.pValue).not.toBe(a.pValue);
    expect(a.pValue).toBeGreaterThanOrEqual(1 / a.orderings);
    expect(a.pValue).toBeLessThan(0.05);
  });
});
