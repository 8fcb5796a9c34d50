// Shared test fixtures: tiny configs, weights with enough spread to make mask and cache bugs visible, and a
// thin onnxruntime-node wrapper that feeds Optimum-named inputs (real runtime, no mocks).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { fromHalfBits, randomGpt2Weights, toHalfBits, type Gpt2Config, type Gpt2Weights } from '../src/index.ts';

export const TINY: Gpt2Config = { vocabSize: 320, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 4 };

/**
 * Random weights with the matrices scaled up, so attention is far from uniform and logits far apart: a wrong
 * causal mask, position or cache slice then moves the logits by much more than the 1e-4 tolerance.
 */
export function sharpWeights(config: Gpt2Config, seed: number): Gpt2Weights {
  const w = randomGpt2Weights(config, seed);
  const scale = (a: Float32Array, k: number): void => a.forEach((v, i) => { a[i] = v * k; });
  scale(w.wte, 10);
  scale(w.wpe, 20);
  for (const l of w.layers) {
    scale(l.qkvWeight, 10);
    scale(l.fcWeight, 10);
    scale(l.projWeight, 5);
    scale(l.fcProjWeight, 5);
  }
  return w;
}

export const i64 = (rows: number[][]): ort.Tensor =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map((v) => BigInt(v))), [rows.length, rows[0]?.length ?? 0]);

export interface Cache { [name: string]: ort.Tensor }

/** Zero-length past tensors (what transformers.js feeds on the first step). */
export function emptyPast(config: Gpt2Config, batch: number, dtype: 'float32' | 'float16' = 'float32', length = 0): Cache {
  const kvH = config.nKvHead ?? config.nHead;
  const hd = config.nEmbd / config.nHead;
  const out: Cache = {};
  for (let i = 0; i < config.nLayer; i++) {
    for (const k of ['key', 'value']) {
      const n = batch * kvH * length * hd;
      // Garbage, not zeros, when a length is given: a graph that wrongly used it would show.
      const data = dtype === 'float32' ? new Float32Array(n).fill(3.5) : new Uint16Array(n).fill(toHalfBits(3.5));
      out[`past_key_values.${i}.${k}`] = new ort.Tensor(dtype, data, [batch, kvH, length, hd]);
    }
  }
  return out;
}

/** The present.* outputs renamed as the next step's past_key_values.* inputs. */
export function presentToPast(out: ort.InferenceSession.OnnxValueMapType): Cache {
  const past: Cache = {};
  for (const [name, value] of Object.entries(out)) {
    if (name.startsWith('present.')) past[name.replace('present.', 'past_key_values.')] = value as ort.Tensor;
  }
  return past;
}

/** Logits as float32 whatever the output type. */
export function floatData(t: ort.Tensor): Float32Array {
  if (t.type === 'float16') return Float32Array.from(t.data as Uint16Array, fromHalfBits);
  return t.data as Float32Array;
}

/** Largest absolute difference between a's and b's values at the given (aIndex, bIndex) pairs, or whole arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Row `s` of batch item `b` in a [B,S,V] logits array. */
export function logitsRow(logits: ArrayLike<number>, S: number, V: number, b: number, s: number): number[] {
  return Array.from({ length: V }, (_, v) => logits[(b * S + s) * V + v]!);
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'onnx-gpt2-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const argmax = (row: ArrayLike<number>): number => {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
};
