// Seeded percentile bootstrap intervals. For a proportion, the mean of a resample of n 0/1 outcomes is
// exactly Binomial(n, k/n)/n, so each resample is drawn from that distribution directly: the same bootstrap,
// in O(resamples) instead of O(resamples * n). That is what makes 100 checkpoints x 10,000 items fast.
import type { Rate } from '@cpi-bench/schemas';
import { mulberry32 } from './rng.ts';

/** How intervals are drawn. */
export interface BootstrapSettings {
  /** @default 1000 */
  resamples: number;
  /** @default 0 */
  seed: number;
  /** Coverage of the interval. @default 0.95 */
  level: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapSettings = { resamples: 1000, seed: 0, level: 0.95 };

/** Type-7 quantile position (as R and numpy): returns the two neighbouring order statistics and the weight. */
function quantilePosition(count: number, q: number): { i: number; j: number; w: number } {
  const h = (count - 1) * q;
  const i = Math.floor(h);
  return { i, j: Math.min(i + 1, count - 1), w: h - i };
}

/**
 * The cumulative distribution of Binomial(n, p) over mode +- 9 standard deviations (+ 8), outside which the
 * probability is below 1e-18; built by the pmf's ratio recurrence outward from the mode (no factorials, no
 * overflow) and normalised over the window.
 */
function binomialCdfWindow(n: number, p: number): { start: number; cdf: Float64Array } {
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const half = Math.ceil(9 * Math.sqrt(n * p * (1 - p))) + 8;
  const start = Math.max(0, mode - half);
  const end = Math.min(n, mode + half);
  const pmf = new Float64Array(end - start + 1);
  const ratio = p / (1 - p);
  pmf[mode - start] = 1;
  for (let k = mode; k < end; k++) pmf[k + 1 - start] = pmf[k - start]! * ((n - k) / (k + 1)) * ratio;
  for (let k = mode; k > start; k--) pmf[k - 1 - start] = (pmf[k - start]! * (k / (n - k + 1))) / ratio;
  let acc = 0;
  for (let i = 0; i < pmf.length; i++) pmf[i] = acc += pmf[i]!;
  for (let i = 0; i < pmf.length; i++) pmf[i] = pmf[i]! / acc;
  return { start, cdf: pmf };
}

/**
 * A proportion `successes / n` with its seeded percentile-bootstrap interval. Derive `seed` from what is
 * measured (see streamSeed) so that each interval has its own stream.
 * @example proportionRate(42, 100, { resamples: 1000, seed: 7, level: 0.95 }) // { mean: 0.42, lo: ~0.32, hi: ~0.52, n: 100 }
 */
export function proportionRate(successes: number, n: number, settings: BootstrapSettings): Rate {
  if (n === 0) return { mean: null, lo: null, hi: null, n: 0 };
  const p = successes / n;
  if (settings.resamples <= 0) return { mean: p, lo: null, hi: null, n };
  if (successes === 0 || successes === n) return { mean: p, lo: p, hi: p, n };
  const { start, cdf } = binomialCdfWindow(n, p);
  const size = cdf.length;
  // A guide table (Chen & Asau's indexed search): guide[g] is the first bin whose CDF exceeds g/size, so
  // each draw starts next to its bin and inverse-CDF sampling costs O(1) on average.
  const guide = new Uint32Array(size);
  for (let g = 0, b = 0, step = 1 / size; g < size; g++) {
    const threshold = g * step;
    while (b < size - 1 && cdf[b]! <= threshold) b++;
    guide[g] = b;
  }
  const counts = new Uint32Array(size);
  const rand = mulberry32(settings.seed);
  for (let r = 0; r < settings.resamples; r++) {
    const u = rand();
    let b = guide[Math.floor(u * size)]!;
    while (b < size - 1 && cdf[b]! <= u) b++;
    counts[b]!++;
  }
  const alpha = (1 - settings.level) / 2;
  return { mean: p, lo: orderStatisticFromCounts(counts, start, n, settings.resamples, alpha), hi: orderStatisticFromCounts(counts, start, n, settings.resamples, 1 - alpha), n };
}

function orderStatisticFromCounts(counts: Uint32Array, start: number, n: number, total: number, q: number): number {
  const { i, j, w } = quantilePosition(total, q);
  const at = (rank: number): number => {
    let seen = 0;
    for (let b = 0; b < counts.length; b++) {
      seen += counts[b]!;
      if (seen > rank) return (start + b) / n;
    }
    return (start + counts.length - 1) / n;
  };
  const a = at(i);
  return w === 0 ? a : a + (at(j) - a) * w;
}

/** Largest n * resamples for which the mean is bootstrapped by resampling values; above it, by the normal limit. */
const EXACT_MEAN_BOOTSTRAP_WORK = 200_000;

/**
 * The mean of `values` with a seeded percentile-bootstrap interval. Small samples are resampled directly.
 * For large ones (n * resamples above 200,000) the distribution of the resample mean is its normal limit
 * N(mean, s^2/n), and the interval is read off that limit's quantiles: what infinitely many resamples would
 * give, at a cost independent of n.
 */
export function meanRate(values: ArrayLike<number>, settings: BootstrapSettings): Rate {
  const n = values.length;
  if (n === 0) return { mean: null, lo: null, hi: null, n: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  if (settings.resamples <= 0) return { mean, lo: null, hi: null, n };
  const alpha = (1 - settings.level) / 2;
  if (n * settings.resamples > EXACT_MEAN_BOOTSTRAP_WORK) {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
    const se = Math.sqrt(ss / n / n);
    return { mean, lo: mean + se * normalQuantile(alpha), hi: mean + se * normalQuantile(1 - alpha), n };
  }
  const rand = mulberry32(settings.seed);
  const means = new Float64Array(settings.resamples);
  for (let r = 0; r < settings.resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rand() * n)]!;
    means[r] = s / n;
  }
  means.sort();
  const pick = (q: number): number => {
    const { i, j, w } = quantilePosition(means.length, q);
    return means[i]! + (means[j]! - means[i]!) * w;
  };
  return { mean, lo: pick(alpha), hi: pick(1 - alpha), n };
}

/**
 * The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).
 * @example normalQuantile(0.975) // 1.959964
 */
export function normalQuantile(q: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (q <= 0) return -Infinity;
  if (q >= 1) return Infinity;
  if (q < low) {
    const t = Math.sqrt(-2 * Math.log(q));
    return (((((c[0]! * t + c[1]!) * t + c[2]!) * t + c[3]!) * t + c[4]!) * t + c[5]!) / ((((d[0]! * t + d[1]!) * t + d[2]!) * t + d[3]!) * t + 1);
  }
  if (q > 1 - low) return -normalQuantile(1 - q);
  const u = q - 0.5;
  const r = u * u;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * u) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
