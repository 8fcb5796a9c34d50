// A small seeded generator. Intervals must be reproducible from the seed alone, and each interval's stream
// is derived from what it measures (its counts, or its group's name), so adding a group never shifts another.

export { mulberry32 } from '@cpi-bench/schemas';

/** FNV-1a over the parts, mixed with the seed: the seed of one named stream. */
export function streamSeed(seed: number, ...parts: readonly (string | number)[]): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const part of parts) {
    const s = String(part) + '\u0000';
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h;
}
