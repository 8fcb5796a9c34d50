// Transforms must give the same output for the same seed on every machine.
export { mulberry32 as createRng } from '@cpi-bench/schemas';

/** Fisher-Yates shuffle of a copy. */
export function shuffled<T>(values: readonly T[], rng: () => number): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
