// Batches of token rows for the trainer, and their packing: each row kept only up to its last position
// that a loss or a logit is asked for.
import { CpiError } from '@cpi-bench/schemas';

/** A batch of right-padded token rows and the positions whose next token is scored. */
export interface Batch {
  /** Row-major [rows, length] token ids; padding after a row's end is never attended to by earlier positions. */
  ids: Int32Array;
  rows: number;
  length: number;
  /** Flat indices (row * length + position) of the positions that predict a target. */
  lossIndex: Int32Array;
  /** The target token of each loss position. */
  lossTarget: Int32Array;
}

/** Packs token rows (of any lengths) into a right-padded batch with the given loss positions. */
export function makeBatch(rows: readonly (readonly number[])[], loss: readonly (readonly [row: number, position: number, target: number])[], padId = 0): Batch {
  const length = Math.max(1, ...rows.map((r) => r.length));
  const ids = new Int32Array(rows.length * length).fill(padId);
  rows.forEach((r, i) => ids.set(r, i * length));
  return {
    ids, rows: rows.length, length,
    lossIndex: Int32Array.from(loss, ([r, pos]) => r * length + pos),
    lossTarget: Int32Array.from(loss, ([, , t]) => t),
  };
}

/**
 * The tokens one pass computes: each row only up to its last position that is asked for. Under causal
 * attention later tokens (padding, a row's final token) influence no earlier position, so dropping them
 * changes no logit and no gradient. Row r's tokens are contiguous from `start[r]`, `len[r]` of them.
 */
export interface Packed {
  n: number;
  start: Int32Array; len: Int32Array;
  /** Offset of row r's [H, len, len] attention probabilities. */
  probStart: Int32Array; probSize: number;
  ids: Int32Array; pos: Int32Array;
  /** The requested flat positions (row * length + position) as packed token indices. */
  at: Int32Array;
}

export function pack(batch: Batch, positions: ArrayLike<number>, nHead: number): Packed {
  const { rows: B, length: T } = batch;
  const len = new Int32Array(B), at = new Int32Array(positions.length);
  for (let k = 0; k < positions.length; k++) {
    const f = positions[k]!;
    if (!(Number.isInteger(f) && f >= 0 && f < B * T)) throw new CpiError('CPI_TOYLAB_BAD_POSITION', `position ${f} lies outside the ${B} x ${T} batch`);
    const r = Math.floor(f / T), t = f - r * T;
    if (t + 1 > len[r]!) len[r] = t + 1;
  }
  const start = new Int32Array(B), probStart = new Int32Array(B);
  let n = 0, probSize = 0;
  for (let r = 0; r < B; r++) { start[r] = n; n += len[r]!; probStart[r] = probSize; probSize += nHead * len[r]! * len[r]!; }
  for (let k = 0; k < positions.length; k++) { const f = positions[k]!, r = Math.floor(f / T); at[k] = start[r]! + f - r * T; }
  const ids = new Int32Array(n), pos = new Int32Array(n);
  for (let r = 0; r < B; r++) for (let t = 0; t < len[r]!; t++) { ids[start[r]! + t] = batch.ids[r * T + t]!; pos[start[r]! + t] = t; }
  return { n, start, len, probStart, probSize, ids, pos, at };
}
