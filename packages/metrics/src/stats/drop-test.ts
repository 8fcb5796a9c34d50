// The verdict's significance test, valid after the peak was chosen from the same curve. A McNemar test
// between the highest checkpoint and the final one is biased: the peak is the maximum of noisy values, so
// "peak > final" is likely under no trend at all. Instead, condition on the choice: under "no trend after
// the peak" the checkpoints after it are exchangeable, so every order of them that would have picked the
// same peak is equally likely, and the observed fall is ranked among the falls of those orders.
import { mulberry32 } from './rng.ts';

/**
 * What the test ranks. `slope`: the least-squares fall per checkpoint over the checkpoints after the peak
 * (the verdict's; every order gives its own value, so a few checkpoints suffice). `smoothedDrop`: smoothed
 * peak - smoothed final, the drop the verdict's threshold reads; blind to the order within the final
 * smoothing window, so it needs more checkpoints (scripts/verdict-calibration.ts compares the two).
 */
export type DropStatistic = 'slope' | 'smoothedDrop';

/** The names reports carry, so a reader knows which procedure gave the p-value. */
export const DROP_TEST_PROCEDURES: Readonly<Record<DropStatistic, string>> = {
  slope: 'peak-conditional permutation test: the fall after the smoothed peak (least-squares slope over checkpoint order) ranked among the orders of the post-peak checkpoints that keep the same peak',
  smoothedDrop: 'peak-conditional permutation test: the smoothed drop ranked among the orders of the post-peak checkpoints that keep the same peak',
};

/** The verdict's procedure. */
export const DROP_TEST_PROCEDURE = DROP_TEST_PROCEDURES.slope;

/** Up to this many permuted checkpoints, every order is enumerated (7! = 5,040); beyond, seeded draws. */
export const EXACT_MAX_PERMUTED = 7;

/**
 * From this many checkpoints after the peak's smoothing window, the window itself is held fixed and only
 * the checkpoints beyond it are permuted. On long series a random order rarely keeps the peak (its
 * smoothed value depends on its neighbours), so too few orders would enter the null distribution; with
 * the window fixed most do. On short series every post-peak checkpoint is needed for enough orders. The
 * choice depends only on the peak's position, which the test conditions on, so both are valid.
 */
export const HOLD_WINDOW_FROM = 12;

/** Options of dropPermutationTest. */
export interface DropTestOptions {
  /** k in "smoothed over +-k checkpoints", as the trajectory used it. */
  smoothing: number;
  /** Seed of the draws (recorded in the report). @default 0 */
  seed?: number;
  /** Random orders tried when there are too many to enumerate. @default 9999 */
  draws?: number;
  /** @default 'slope' */
  statistic?: DropStatistic;
}

/** The test's outcome, as InversionReport `dropTest` holds it. */
export interface DropTestResult {
  procedure: string;
  statistic: DropStatistic;
  /** Index of the tested (smoothed) peak among the curve's points. */
  peakIndex: number;
  /** The statistic's observed value (a proportion per checkpoint for `slope`, a proportion for `smoothedDrop`). */
  observed: number;
  /** P(drop >= observed | the same peak was chosen), under exchangeable post-peak checkpoints. */
  pValue: number;
  /** Checkpoints after the peak whose order is permuted (the final one included; see HOLD_WINDOW_FROM). */
  permuted: number;
  /** Orders that kept the peak in place and so entered the null distribution (the observed one included). */
  orderings: number;
  /** Every order enumerated (true) or seeded draws (false). */
  exact: boolean;
  seed: number;
}

/** Index of the highest value, the earliest on ties (within 1e-12): the rule the trajectory's peaks use. */
export function argmaxEarliest(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]! + 1e-12) best = i;
  return best;
}

/** Mean over +-k neighbours (truncated at the ends), written into `out` (prefix sums: O(n)). */
export function smoothInto(values: ArrayLike<number>, k: number, prefix: Float64Array, out: Float64Array): void {
  const n = values.length;
  prefix[0] = 0;
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + values[i]!;
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - k);
    const hi = Math.min(n - 1, i + k);
    out[i] = (prefix[hi + 1]! - prefix[lo]!) / (hi - lo + 1);
  }
}

/**
 * Tests whether the curve falls after its smoothed peak more than the order of the post-peak checkpoints
 * explains. Null hypothesis: after the peak, the checkpoints' values are exchangeable (a plateau with
 * noise, item-level and checkpoint-level alike). The peak was chosen from the data, so the null
 * distribution is conditioned on that choice: only orders of the post-peak values under which the
 * smoothed argmax is still the same checkpoint count. Valid at any level; one-sided (a fall). With m
 * checkpoints after the peak the smallest possible p is about 1/m!, so m >= 4 is needed for p < 0.05.
 * Null when the peak is the final checkpoint (nothing to test).
 * @example dropPermutationTest([0.3, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35], { smoothing: 1 }) // p = 1/orderings
 */
export function dropPermutationTest(values: readonly number[], options: DropTestOptions): DropTestResult | null {
  const n = values.length;
  const k = options.smoothing;
  const seed = options.seed ?? 0;
  const prefix = new Float64Array(n + 1);
  const smooth = new Float64Array(n);
  smoothInto(values, k, prefix, smooth);
  const peak = argmaxEarliest(smooth);
  const last = n - 1;
  if (n === 0 || peak === last) return null;
  const statistic = options.statistic ?? 'slope';
  // The least-squares slope over positions 1..m after the peak, negated: a fall is positive.
  const m = last - peak;
  const meanX = (m + 1) / 2;
  let sxx = 0;
  for (let i = 1; i <= m; i++) sxx += (i - meanX) ** 2;
  const fallOf = (v: ArrayLike<number>): number => {
    let sxy = 0;
    for (let i = 1; i <= m; i++) sxy += (i - meanX) * v[peak + i]!;
    return sxx > 0 ? -sxy / sxx : 0;
  };
  const stat = (v: ArrayLike<number>, sm: ArrayLike<number>): number => (statistic === 'slope' ? fallOf(v) : sm[peak]! - sm[last]!);
  const observed = stat(values, smooth);
  const order = Float64Array.from(values);
  const first = last - peak - k >= HOLD_WINDOW_FROM ? peak + 1 + k : peak + 1;
  const permuted = last - first + 1;
  let orderings = 0;
  let atLeast = 0;
  // Count an order: is the peak still the smoothed argmax, and is its fall at least the observed one?
  const tally = (): void => {
    smoothInto(order, k, prefix, smooth);
    if (argmaxEarliest(smooth) !== peak) return;
    orderings++;
    if (stat(order, smooth) >= observed - 1e-12) atLeast++;
  };
  if (permuted <= EXACT_MAX_PERMUTED) {
    // Heap's algorithm over positions peak+1..last: every order once (the observed one included).
    const c = new Array<number>(permuted).fill(0);
    const at = (j: number): number => first + j;
    const swap = (a: number, b: number): void => {
      const t = order[at(a)]!;
      order[at(a)] = order[at(b)]!;
      order[at(b)] = t;
    };
    tally();
    for (let i = 1; i < permuted;) {
      if (c[i]! < i) {
        swap(i % 2 === 0 ? 0 : c[i]!, i);
        tally();
        c[i]!++;
        i = 1;
      } else {
        c[i] = 0;
        i++;
      }
    }
    return { procedure: DROP_TEST_PROCEDURES[statistic], statistic, peakIndex: peak, observed, pValue: atLeast / orderings, permuted, orderings, exact: true, seed };
  }
  // Seeded uniform orders (Fisher-Yates), kept when they pick the same peak: uniform over that set. The
  // observed order is one of its members, hence the +1s (a Monte Carlo p-value that is itself valid).
  const rand = mulberry32(seed);
  const draws = options.draws ?? 9999;
  for (let d = 0; d < draws; d++) {
    order.set(values);
    for (let i = permuted - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[first + i]!;
      order[first + i] = order[first + j]!;
      order[first + j] = t;
    }
    tally();
  }
  return { procedure: DROP_TEST_PROCEDURES[statistic], statistic, peakIndex: peak, observed, pValue: (atLeast + 1) / (orderings + 1), permuted, orderings: orderings + 1, exact: false, seed };
}
