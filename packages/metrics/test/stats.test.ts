import { describe, expect, it } from 'vitest';
import { mcnemarExact, meanRate, proportionRate } from '../src/index.ts';
import { mulberry32 } from '../src/stats/rng.ts';

describe('exact McNemar test', () => {
  // Reference values from scipy.stats.binomtest(b, b + c, 0.5).pvalue (= R binom.test, statsmodels
  // mcnemar(exact=True)), cross-checked with exact integer arithmetic 2 * sum(C(n, i), i <= min) / 2^n.
  const KNOWN: [number, number, number][] = [
    [1, 6, 0.125],
    [0, 5, 0.0625],
    [2, 8, 0.109375],
    [5, 5, 1],
    [0, 0, 1],
    [3, 0, 0.25],
    [10, 25, 0.016673847800120],
    [100, 140, 0.011664092317678],
    [2400, 2600, 0.004883649737518],
  ];
  for (const [b, c, p] of KNOWN) {
    it(`b=${b}, c=${c} -> p=${p}`, () => {
      expect(mcnemarExact(b, c)).toBeCloseTo(p, 10);
      expect(mcnemarExact(c, b)).toBeCloseTo(p, 10);
    });
  }
  it('stays finite for thousands of discordant pairs', () => {
    const p = mcnemarExact(2400, 2600);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(0.01);
  });
});

describe('bootstrap intervals', () => {
  it('is reproducible from the seed and changes with it', () => {
    const a = proportionRate(42, 100, { resamples: 1000, seed: 7, level: 0.95 });
    expect(proportionRate(42, 100, { resamples: 1000, seed: 7, level: 0.95 })).toEqual(a);
    expect(a.mean).toBe(0.42);
    expect(a.lo!).toBeLessThan(0.42);
    expect(a.hi!).toBeGreaterThan(0.42);
    // Normal-approximation half-width is 1.96 * sqrt(.42 * .58 / 100) = 0.097.
    expect(a.hi! - a.lo!).toBeGreaterThan(0.16);
    expect(a.hi! - a.lo!).toBeLessThan(0.23);
    const b = proportionRate(42, 100, { resamples: 1000, seed: 8, level: 0.95 });
    expect([b.lo, b.hi]).not.toEqual([a.lo, a.hi]);
  });

  it('returns nulls without items and a point interval at 0 or 1', () => {
    expect(proportionRate(0, 0, { resamples: 100, seed: 1, level: 0.95 })).toEqual({ mean: null, lo: null, hi: null, n: 0 });
    expect(proportionRate(5, 5, { resamples: 100, seed: 1, level: 0.95 })).toEqual({ mean: 1, lo: 1, hi: 1, n: 5 });
  });

  it('covers the true rate about 95% of the time', () => {
    const rand = mulberry32(2024);
    const trueRate = 0.3;
    const n = 200;
    const trials = 1000;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      let k = 0;
      for (let i = 0; i < n; i++) if (rand() < trueRate) k++;
      const r = proportionRate(k, n, { resamples: 1000, seed: t, level: 0.95 });
      if (r.lo! <= trueRate && trueRate <= r.hi!) covered++;
    }
    // Binomial sampling error of the coverage itself is about 0.7 points at 1000 trials.
    expect(covered / trials).toBeGreaterThan(0.925);
    expect(covered / trials).toBeLessThan(0.97);
  });

  it('bootstraps a mean, by resampling small samples and by its normal limit for large ones', () => {
    const rand = mulberry32(5);
    const small = Array.from({ length: 50 }, () => rand());
    const large = Array.from({ length: 20_000 }, () => rand());
    for (const values of [small, large]) {
      const r = meanRate(values, { resamples: 1000, seed: 3, level: 0.95 });
      const se = Math.sqrt(1 / 12 / values.length);
      expect(r.lo!).toBeLessThan(r.mean!);
      expect(r.hi!).toBeGreaterThan(r.mean!);
      expect((r.hi! - r.lo!) / (2 * 1.96 * se)).toBeGreaterThan(0.8);
      expect((r.hi! - r.lo!) / (2 * 1.96 * se)).toBeLessThan(1.2);
    }
  });
});

describe('normalQuantile', () => {
  it('matches the standard normal table', async () => {
    const { normalQuantile } = await import('../src/stats/bootstrap.ts');
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326347874, 8);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232306, 8);
  });
});
