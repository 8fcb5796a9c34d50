// A small seeded PRNG (mulberry32) so every toylab run is reproducible from its seed, independent of
// Math.random and of the Node version.

import { mulberry32 } from '@cpi-bench/schemas';

/** A deterministic random source: `next()` in [0, 1). */
export interface Rng {
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** A uniformly chosen element; throws on an empty list. */
  pick<T>(items: readonly T[]): T;
  /** A new shuffled copy. */
  shuffle<T>(items: readonly T[]): T[];
}

/** Creates a seeded generator; the same seed always yields the same stream. */
export function createRng(seed: number): Rng {
  const next = mulberry32((seed ^ 0x9e3779b9) >>> 0);
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    normal() {
      const u = Math.max(next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(items.length)] as T;
    },
    shuffle<T>(items: readonly T[]): T[] {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const tmp = out[i] as T;
        out[i] = out[j] as T;
        out[j] = tmp;
      }
      return out;
    },
  };
}
