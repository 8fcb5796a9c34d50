// The one seeded uniform generator the packages share: results that depend on randomness (bootstrap
// intervals, random weights, mitigation sampling) must be reproducible from a seed on every machine.

/**
 * mulberry32: a small, fast 32-bit generator. Returns a function giving uniforms in [0, 1).
 * @example const next = mulberry32(42); next(); // the same value on every machine
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
