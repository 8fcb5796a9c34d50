// Mean, spread and the number formats of the lab's report tables (sweep and mitigations), defined once.

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Sample standard deviation (n - 1); 0 for fewer than two values. */
export const sd = (xs: readonly number[]): number => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

/** "mean ± sd" to two decimals; `signed` puts a + before a non-negative mean (a change). */
export const pm = (xs: readonly number[], signed = false): string => `${signed && mean(xs) >= 0 ? '+' : ''}${mean(xs).toFixed(2)} ± ${sd(xs).toFixed(2)}`;
export const f2 = (x: number): string => x.toFixed(2);
/** A p-value as the tables print it; "–" when there was no test. */
export const pv = (p: number | null | undefined): string => (p === null || p === undefined ? '–' : p < 0.001 ? '< 0.001' : p.toFixed(3));
