// The exact McNemar test: under "no change", each of the b + c discordant pairs is equally likely to have
// gone either way, so min(b, c) is Binomial(b + c, 1/2) and the two-sided p-value doubles its tail.

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

const LOG_FACTORIALS: number[] = [0];
function logFactorial(n: number): number {
  for (let i = LOG_FACTORIALS.length; i <= n; i++) LOG_FACTORIALS[i] = LOG_FACTORIALS[i - 1]! + Math.log(i);
  return LOG_FACTORIALS[n]!;
}

/**
 * Two-sided exact McNemar p-value for `b` pairs that changed one way and `c` the other:
 * min(1, 2 * P(X <= min(b, c))) with X ~ Binomial(b + c, 1/2). Equal to statsmodels'
 * `mcnemar(table, exact=True)` and R's `binom.test(b, b + c)`.
 * @example mcnemarExact(1, 6) // 0.125
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  const logHalfN = -n * Math.LN2;
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) + logHalfN);
  return Math.min(1, 2 * tail);
}

/** A p-value for people: 3 significant digits, scientific below 1e-4, and "< 1e-300" where it underflows. */
export function formatPValue(p: number): string {
  if (p === 0) return '< 1e-300';
  return p < 1e-4 ? p.toExponential(2) : p.toPrecision(3);
}
