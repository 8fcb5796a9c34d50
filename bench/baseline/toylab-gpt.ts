// PINNED COPY of tools/toylab/src/gpt.ts at commit eb47fcb (the float64 trainer before issue 12), kept
// unchanged so bench/toylab.bench.ts can rerun the side-by-side speed comparison. Do not edit.
// A tiny GPT-2 with hand-written forward and backward passes over typed arrays: the lab's trainer. Its
// parameters are stored in exactly the layout of @cpi-bench/onnx-gpt2's Gpt2Weights (tied LM head, Conv1D
// [in, out] matrices, gelu_new), so an exported checkpoint computes the same function as the trained model.
import { CpiError } from '@cpi-bench/schemas';
import type { Gpt2Config, Gpt2LayerWeights, Gpt2Weights } from '@cpi-bench/onnx-gpt2';
import type { Rng } from '@cpi-bench/toylab';

const LAYER_KEYS = ['ln1Gamma', 'ln1Beta', 'qkvWeight', 'qkvBias', 'projWeight', 'projBias', 'ln2Gamma', 'ln2Beta', 'fcWeight', 'fcBias', 'fcProjWeight', 'fcProjBias'] as const;
type LayerKey = (typeof LAYER_KEYS)[number];

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

interface Slot { offset: number; size: number }

/** Parameter offsets of every tensor inside the flat parameter vector. */
interface Layout { wte: Slot; wpe: Slot; layers: Record<LayerKey, Slot>[]; lnfGamma: Slot; lnfBeta: Slot; total: number }

function makeLayout(c: Gpt2Config): Layout {
  const D = c.nEmbd;
  let offset = 0;
  const slot = (size: number): Slot => { const s = { offset, size }; offset += size; return s; };
  const wte = slot(c.vocabSize * D);
  const wpe = slot(c.nPositions * D);
  const sizes: Record<LayerKey, number> = { ln1Gamma: D, ln1Beta: D, qkvWeight: D * 3 * D, qkvBias: 3 * D, projWeight: D * D, projBias: D, ln2Gamma: D, ln2Beta: D, fcWeight: D * 4 * D, fcBias: 4 * D, fcProjWeight: 4 * D * D, fcProjBias: D };
  const layers: Record<LayerKey, Slot>[] = [];
  for (let l = 0; l < c.nLayer; l++) {
    const rec = {} as Record<LayerKey, Slot>;
    for (const k of LAYER_KEYS) rec[k] = slot(sizes[k]);
    layers.push(rec);
  }
  const lnfGamma = slot(D);
  const lnfBeta = slot(D);
  return { wte, wpe, layers, lnfGamma, lnfBeta, total: offset };
}

const GELU_C = Math.sqrt(2 / Math.PI);
const LN_EPS = 1e-5;

/** Saved activations of one layer for the backward pass. */
interface LayerCache {
  hIn: Float64Array; x1: Float64Array; mean1: Float64Array; rstd1: Float64Array;
  qkv: Float64Array; probs: Float64Array; ctx: Float64Array;
  h1: Float64Array; x2: Float64Array; mean2: Float64Array; rstd2: Float64Array;
  fc: Float64Array; th: Float64Array; act: Float64Array;
}

/**
 * The tokens one pass computes: each row only up to its last position that is asked for. Under causal
 * attention later tokens (padding, a row's final token) influence no earlier position, so dropping them
 * changes no logit and no gradient. Row r's tokens are contiguous from `start[r]`, `len[r]` of them.
 */
interface Packed {
  n: number;
  start: Int32Array; len: Int32Array;
  /** Offset of row r's [H, len, len] attention probabilities. */
  probStart: Int32Array; probSize: number;
  ids: Int32Array; pos: Int32Array;
  /** The requested flat positions (row * length + position) as packed token indices. */
  at: Int32Array;
}

function pack(batch: Batch, positions: ArrayLike<number>, nHead: number): Packed {
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

/**
 * y[n,out] = x[n,in] @ w[in,out] + b. A 4x4 block of outputs is accumulated in locals over the whole inner
 * dimension (eight loads feed sixteen multiply-adds, nothing is stored until the block is done); each sum
 * still starts from the bias and runs over `in` in order.
 */
function matmul(x: Float64Array, n: number, inDim: number, params: Float32Array, wOff: number, bOff: number, outDim: number): Float64Array {
  const y = new Float64Array(n * outDim);
  let r = 0;
  for (; r + 3 < n; r += 4) {
    const x0o = r * inDim, x1o = x0o + inDim, x2o = x1o + inDim, x3o = x2o + inDim;
    const y0 = r * outDim, y1 = y0 + outDim, y2 = y1 + outDim, y3 = y2 + outDim;
    let o = 0;
    for (; o + 3 < outDim; o += 4) {
      const b0 = params[bOff + o]!, b1 = params[bOff + o + 1]!, b2 = params[bOff + o + 2]!, b3 = params[bOff + o + 3]!;
      let a00 = b0, a01 = b1, a02 = b2, a03 = b3, a10 = b0, a11 = b1, a12 = b2, a13 = b3;
      let a20 = b0, a21 = b1, a22 = b2, a23 = b3, a30 = b0, a31 = b1, a32 = b2, a33 = b3;
      for (let i = 0, wo = wOff + o; i < inDim; i++, wo += outDim) {
        const w0 = params[wo]!, w1 = params[wo + 1]!, w2 = params[wo + 2]!, w3 = params[wo + 3]!;
        const x0 = x[x0o + i]!, x1 = x[x1o + i]!, x2 = x[x2o + i]!, x3 = x[x3o + i]!;
        a00 += x0 * w0; a01 += x0 * w1; a02 += x0 * w2; a03 += x0 * w3;
        a10 += x1 * w0; a11 += x1 * w1; a12 += x1 * w2; a13 += x1 * w3;
        a20 += x2 * w0; a21 += x2 * w1; a22 += x2 * w2; a23 += x2 * w3;
        a30 += x3 * w0; a31 += x3 * w1; a32 += x3 * w2; a33 += x3 * w3;
      }
      y[y0 + o] = a00; y[y0 + o + 1] = a01; y[y0 + o + 2] = a02; y[y0 + o + 3] = a03;
      y[y1 + o] = a10; y[y1 + o + 1] = a11; y[y1 + o + 2] = a12; y[y1 + o + 3] = a13;
      y[y2 + o] = a20; y[y2 + o + 1] = a21; y[y2 + o + 2] = a22; y[y2 + o + 3] = a23;
      y[y3 + o] = a30; y[y3 + o + 1] = a31; y[y3 + o + 2] = a32; y[y3 + o + 3] = a33;
    }
    for (; o < outDim; o++) {
      const b = params[bOff + o]!;
      let a0 = b, a1 = b, a2 = b, a3 = b;
      for (let i = 0, wo = wOff + o; i < inDim; i++, wo += outDim) {
        const w = params[wo]!;
        a0 += x[x0o + i]! * w; a1 += x[x1o + i]! * w; a2 += x[x2o + i]! * w; a3 += x[x3o + i]! * w;
      }
      y[y0 + o] = a0; y[y1 + o] = a1; y[y2 + o] = a2; y[y3 + o] = a3;
    }
  }
  for (; r < n; r++) {
    const xo = r * inDim, yo = r * outDim;
    for (let o = 0; o < outDim; o++) {
      let a = params[bOff + o]!;
      for (let i = 0, wo = wOff + o; i < inDim; i++, wo += outDim) a += x[xo + i]! * params[wo]!;
      y[yo + o] = a;
    }
  }
  return y;
}

/** Given dY [n,out]: accumulates dW += x^T dY, db += sum dY, returns dX = dY w^T (four rows at a time). */
function matmulBackward(dy: Float64Array, x: Float64Array, n: number, inDim: number, params: Float32Array, grads: Float64Array, wOff: number, bOff: number, outDim: number): Float64Array {
  const dx = new Float64Array(n * inDim);
  for (let r = 0; r < n; r++) for (let o = 0; o < outDim; o++) grads[bOff + o]! += dy[r * outDim + o]!;
  let r = 0;
  for (; r + 3 < n; r += 4) {
    const y0 = r * outDim, y1 = y0 + outDim, y2 = y1 + outDim, y3 = y2 + outDim;
    const xo = r * inDim;
    for (let i = 0; i < inDim; i++) {
      const x0 = x[xo + i]!, x1 = x[xo + inDim + i]!, x2 = x[xo + 2 * inDim + i]!, x3 = x[xo + 3 * inDim + i]!;
      const wo = wOff + i * outDim;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let o = 0; o < outDim; o++) {
        const w = params[wo + o]!;
        const d0 = dy[y0 + o]!, d1 = dy[y1 + o]!, d2 = dy[y2 + o]!, d3 = dy[y3 + o]!;
        a0 += d0 * w; a1 += d1 * w; a2 += d2 * w; a3 += d3 * w;
        grads[wo + o]! += x0 * d0 + x1 * d1 + x2 * d2 + x3 * d3;
      }
      dx[xo + i] = a0; dx[xo + inDim + i] = a1; dx[xo + 2 * inDim + i] = a2; dx[xo + 3 * inDim + i] = a3;
    }
  }
  for (; r < n; r++) {
    const yo = r * outDim, xo = r * inDim;
    for (let i = 0; i < inDim; i++) {
      const xv = x[xo + i]!;
      const wo = wOff + i * outDim;
      let acc = 0;
      for (let o = 0; o < outDim; o++) {
        const d = dy[yo + o]!;
        acc += d * params[wo + o]!;
        grads[wo + o]! += xv * d;
      }
      dx[xo + i] = acc;
    }
  }
  return dx;
}

function layerNorm(x: Float64Array, n: number, d: number, params: Float32Array, gOff: number, bOff: number, mean: Float64Array, rstd: Float64Array): Float64Array {
  const y = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let m = 0;
    for (let i = 0; i < d; i++) m += x[o + i]!;
    m /= d;
    let v = 0;
    for (let i = 0; i < d; i++) { const t = x[o + i]! - m; v += t * t; }
    const s = 1 / Math.sqrt(v / d + LN_EPS);
    mean[r] = m; rstd[r] = s;
    for (let i = 0; i < d; i++) y[o + i] = (x[o + i]! - m) * s * params[gOff + i]! + params[bOff + i]!;
  }
  return y;
}

function layerNormBackward(dy: Float64Array, x: Float64Array, n: number, d: number, params: Float32Array, grads: Float64Array, gOff: number, bOff: number, mean: Float64Array, rstd: Float64Array): Float64Array {
  const dx = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const o = r * d, m = mean[r]!, s = rstd[r]!;
    let sumG = 0, sumGX = 0;
    for (let i = 0; i < d; i++) {
      const xh = (x[o + i]! - m) * s;
      const g = dy[o + i]! * params[gOff + i]!;
      grads[gOff + i]! += dy[o + i]! * xh;
      grads[bOff + i]! += dy[o + i]!;
      sumG += g; sumGX += g * xh;
    }
    for (let i = 0; i < d; i++) {
      const xh = (x[o + i]! - m) * s;
      const g = dy[o + i]! * params[gOff + i]!;
      dx[o + i] = (s / d) * (d * g - sumG - xh * sumGX);
    }
  }
  return dx;
}

/**
 * The trainable model. `params` is the single flat Float32Array the optimizer updates; `toWeights()`
 * cuts it into a Gpt2Weights for export.
 */
export class TinyGpt {
  readonly config: Gpt2Config;
  readonly params: Float32Array;
  readonly grads: Float64Array;
  private readonly layout: Layout;

  constructor(config: Gpt2Config, params?: Float32Array) {
    if (config.nKvHead !== undefined && config.nKvHead !== config.nHead) {
      throw new CpiError('CPI_TOYLAB_BAD_OPTION', 'the toy trainer supports only nKvHead = nHead');
    }
    if (config.nEmbd % config.nHead !== 0) throw new CpiError('CPI_TOYLAB_BAD_OPTION', `nEmbd ${config.nEmbd} must be divisible by nHead ${config.nHead}`);
    this.config = { ...config, layerNormEpsilon: LN_EPS };
    this.layout = makeLayout(config);
    if (params && params.length !== this.layout.total) {
      throw new CpiError('CPI_TOYLAB_BAD_WEIGHTS', `parameter vector has ${params.length} values, the config needs ${this.layout.total}`);
    }
    this.params = params ?? new Float32Array(this.layout.total);
    this.grads = new Float64Array(this.layout.total);
  }

  /** Number of trainable parameters. */
  get size(): number { return this.layout.total; }

  /** GPT-2 initialisation: N(0, 0.02), residual projections scaled by 1/sqrt(2L), LayerNorm (1, 0), zero biases. */
  static init(config: Gpt2Config, rng: Rng): TinyGpt {
    const m = new TinyGpt(config);
    const p = m.params;
    const fill = (s: Slot, std: number): void => { for (let i = 0; i < s.size; i++) p[s.offset + i] = std * rng.normal(); };
    const ones = (s: Slot): void => { p.fill(1, s.offset, s.offset + s.size); };
    fill(m.layout.wte, 0.02);
    fill(m.layout.wpe, 0.01);
    const residual = 0.02 / Math.sqrt(2 * config.nLayer);
    for (const l of m.layout.layers) {
      ones(l.ln1Gamma); ones(l.ln2Gamma);
      fill(l.qkvWeight, 0.02); fill(l.fcWeight, 0.02);
      fill(l.projWeight, residual); fill(l.fcProjWeight, residual);
    }
    ones(m.layout.lnfGamma);
    return m;
  }

  /** Copies the parameters into a Gpt2Weights (fresh arrays, so later training does not change an export). */
  toWeights(): Gpt2Weights {
    const cut = (s: Slot): Float32Array => this.params.slice(s.offset, s.offset + s.size);
    return {
      wte: cut(this.layout.wte),
      wpe: cut(this.layout.wpe),
      layers: this.layout.layers.map((l) => Object.fromEntries(LAYER_KEYS.map((k) => [k, cut(l[k])])) as unknown as Gpt2LayerWeights),
      lnfGamma: cut(this.layout.lnfGamma),
      lnfBeta: cut(this.layout.lnfBeta),
    };
  }

  /** A deep copy (used to branch finetuning runs from one pretrained model). */
  clone(): TinyGpt {
    return new TinyGpt(this.config, this.params.slice());
  }

  /**
   * Runs the model on the packed tokens `pk`; returns the final hidden states (after ln_f) and the caches for backward.
   * Positions beyond a row's end may hold any token: causal attention keeps them out of earlier positions.
   */
  private forwardHidden(batch: Batch, pk: Packed): { hidden: Float64Array; hPre: Float64Array; meanF: Float64Array; rstdF: Float64Array; caches: LayerCache[] } {
    const { nEmbd: D, nHead: H, nPositions: P } = this.config;
    if (batch.length > P) throw new CpiError('CPI_TOYLAB_SEQUENCE_TOO_LONG', `sequence length ${batch.length} exceeds nPositions ${P}`);
    const N = pk.n, hd = D / H, scale = 1 / Math.sqrt(hd), p = this.params;
    let h = new Float64Array(N * D);
    const { wte, wpe } = this.layout;
    for (let r = 0; r < N; r++) {
      const eo = wte.offset + pk.ids[r]! * D, po = wpe.offset + pk.pos[r]! * D;
      for (let i = 0; i < D; i++) h[r * D + i] = p[eo + i]! + p[po + i]!;
    }
    const caches: LayerCache[] = [];
    for (const L of this.layout.layers) {
      const mean1 = new Float64Array(N), rstd1 = new Float64Array(N);
      const x1 = layerNorm(h, N, D, p, L.ln1Gamma.offset, L.ln1Beta.offset, mean1, rstd1);
      const qkv = matmul(x1, N, D, p, L.qkvWeight.offset, L.qkvBias.offset, 3 * D);
      const probs = new Float64Array(pk.probSize);
      const ctx = new Float64Array(N * D);
      for (let b = 0; b < pk.len.length; b++) {
        const s0 = pk.start[b]!, T = pk.len[b]!;
        for (let hh = 0; hh < H; hh++) {
          const qo = hh * hd, ko = D + hh * hd, vo = 2 * D + hh * hd;
          for (let i = 0; i < T; i++) {
            const pr = pk.probStart[b]! + (hh * T + i) * T;
            const qi = (s0 + i) * 3 * D + qo;
            let max = -Infinity;
            for (let j = 0; j <= i; j++) {
              const kj = (s0 + j) * 3 * D + ko;
              let dot = 0;
              for (let c = 0; c < hd; c++) dot += qkv[qi + c]! * qkv[kj + c]!;
              dot *= scale;
              probs[pr + j] = dot;
              if (dot > max) max = dot;
            }
            let sum = 0;
            for (let j = 0; j <= i; j++) { const e = Math.exp(probs[pr + j]! - max); probs[pr + j] = e; sum += e; }
            const co = (s0 + i) * D + qo;
            for (let j = 0; j <= i; j++) {
              const a = probs[pr + j]! / sum;
              probs[pr + j] = a;
              const vj = (s0 + j) * 3 * D + vo;
              for (let c = 0; c < hd; c++) ctx[co + c]! += a * qkv[vj + c]!;
            }
          }
        }
      }
      const attn = matmul(ctx, N, D, p, L.projWeight.offset, L.projBias.offset, D);
      const h1 = new Float64Array(N * D);
      for (let i = 0; i < N * D; i++) h1[i] = h[i]! + attn[i]!;
      const mean2 = new Float64Array(N), rstd2 = new Float64Array(N);
      const x2 = layerNorm(h1, N, D, p, L.ln2Gamma.offset, L.ln2Beta.offset, mean2, rstd2);
      const fc = matmul(x2, N, D, p, L.fcWeight.offset, L.fcBias.offset, 4 * D);
      const act = new Float64Array(fc.length), th = new Float64Array(fc.length);
      for (let i = 0; i < fc.length; i++) { const x = fc[i]!, t = Math.tanh(GELU_C * (x + 0.044715 * x * x * x)); th[i] = t; act[i] = 0.5 * x * (1 + t); }
      const mlp = matmul(act, N, 4 * D, p, L.fcProjWeight.offset, L.fcProjBias.offset, D);
      const h2 = new Float64Array(N * D);
      for (let i = 0; i < N * D; i++) h2[i] = h1[i]! + mlp[i]!;
      caches.push({ hIn: h, x1, mean1, rstd1, qkv, probs, ctx, h1, x2, mean2, rstd2, fc, th, act });
      h = h2;
    }
    const meanF = new Float64Array(N), rstdF = new Float64Array(N);
    const hidden = layerNorm(h, N, D, p, this.layout.lnfGamma.offset, this.layout.lnfBeta.offset, meanF, rstdF);
    return { hidden, hPre: h, meanF, rstdF, caches };
  }

  /** Logits [count, V] at the given flat positions of the batch (row * length + position). */
  logitsAt(batch: Batch, positions: ArrayLike<number>): Float64Array {
    const pk = pack(batch, positions, this.config.nHead);
    const { hidden } = this.forwardHidden(batch, pk);
    return this.head(hidden, pk.at);
  }

  /** Logits at every position, [rows * length, V]: the comparison target for the ONNX export. */
  logitsAll(batch: Batch): Float64Array {
    const idx = Array.from({ length: batch.rows * batch.length }, (_, i) => i);
    return this.logitsAt(batch, idx);
  }

  /** Logits at the given packed token indices. */
  private head(hidden: Float64Array, positions: Int32Array): Float64Array {
    const { vocabSize: V, nEmbd: D } = this.config;
    const p = this.params, wo = this.layout.wte.offset;
    const out = new Float64Array(positions.length * V);
    let k = 0;
    // Four positions per pass over the embedding matrix: each weight load feeds four dot products.
    for (; k + 3 < positions.length; k += 4) {
      const h0 = positions[k]! * D, h1 = positions[k + 1]! * D, h2 = positions[k + 2]! * D, h3 = positions[k + 3]! * D;
      for (let v = 0; v < V; v++) {
        const e = wo + v * D;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (let i = 0; i < D; i++) {
          const w = p[e + i]!;
          a0 += hidden[h0 + i]! * w; a1 += hidden[h1 + i]! * w; a2 += hidden[h2 + i]! * w; a3 += hidden[h3 + i]! * w;
        }
        out[k * V + v] = a0; out[(k + 1) * V + v] = a1; out[(k + 2) * V + v] = a2; out[(k + 3) * V + v] = a3;
      }
    }
    for (; k < positions.length; k++) {
      const ho = positions[k]! * D;
      for (let v = 0; v < V; v++) {
        let dot = 0;
        const e = wo + v * D;
        for (let i = 0; i < D; i++) dot += hidden[ho + i]! * p[e + i]!;
        out[k * V + v] = dot;
      }
    }
    return out;
  }

  /**
   * Mean cross-entropy over the batch's loss positions; accumulates its gradient into `grads` (call
   * `zeroGrad()` first).
   */
  lossAndGrad(batch: Batch): number {
    return this.lossAndGradScaled(batch, 1);
  }

  /** As lossAndGrad, with the loss (and its gradient) multiplied by `weight`; returns the weighted loss. */
  lossAndGradScaled(batch: Batch, weight: number): number {
    const { vocabSize: V, nEmbd: D, nHead: H } = this.config;
    const hd = D / H, scale = 1 / Math.sqrt(hd);
    const p = this.params, g = this.grads;
    const count = batch.lossIndex.length;
    if (count === 0) throw new CpiError('CPI_TOYLAB_EMPTY_BATCH', 'batch has no loss positions');
    const pk = pack(batch, batch.lossIndex, H);
    const N = pk.n;
    const { hidden, hPre, meanF, rstdF, caches } = this.forwardHidden(batch, pk);
    const logits = this.head(hidden, pk.at);
    const dHidden = new Float64Array(N * D);
    const wo = this.layout.wte.offset;
    let loss = 0;
    // Softmax in place: logits becomes dL/dlogits.
    for (let k = 0; k < count; k++) {
      const row = logits.subarray(k * V, (k + 1) * V);
      let max = -Infinity;
      for (let v = 0; v < V; v++) if (row[v]! > max) max = row[v]!;
      let sum = 0;
      for (let v = 0; v < V; v++) { const e = Math.exp(row[v]! - max); row[v] = e; sum += e; }
      const target = batch.lossTarget[k]!;
      loss -= Math.log(row[target]! / sum);
      for (let v = 0; v < V; v++) row[v] = (weight * row[v]!) / sum / count;
      row[target]! -= weight / count;
    }
    const li = pk.at;
    let k = 0;
    for (; k + 3 < count; k += 4) {
      const h0 = li[k]! * D, h1 = li[k + 1]! * D, h2 = li[k + 2]! * D, h3 = li[k + 3]! * D;
      for (let v = 0; v < V; v++) {
        const d0 = logits[k * V + v]!, d1 = logits[(k + 1) * V + v]!, d2 = logits[(k + 2) * V + v]!, d3 = logits[(k + 3) * V + v]!;
        const e = wo + v * D;
        for (let i = 0; i < D; i++) {
          const w = p[e + i]!;
          dHidden[h0 + i]! += d0 * w; dHidden[h1 + i]! += d1 * w; dHidden[h2 + i]! += d2 * w; dHidden[h3 + i]! += d3 * w;
          g[e + i]! += d0 * hidden[h0 + i]! + d1 * hidden[h1 + i]! + d2 * hidden[h2 + i]! + d3 * hidden[h3 + i]!;
        }
      }
    }
    for (; k < count; k++) {
      const ho = li[k]! * D;
      for (let v = 0; v < V; v++) {
        const d = logits[k * V + v]!;
        const e = wo + v * D;
        for (let i = 0; i < D; i++) {
          dHidden[ho + i]! += d * p[e + i]!;
          g[e + i]! += d * hidden[ho + i]!;
        }
      }
    }
    let dh = layerNormBackward(dHidden, hPre, N, D, p, g, this.layout.lnfGamma.offset, this.layout.lnfBeta.offset, meanF, rstdF);
    for (let l = this.layout.layers.length - 1; l >= 0; l--) {
      const L = this.layout.layers[l]!, c = caches[l]!;
      // h2 = h1 + mlp(ln2(h1))
      const dAct = matmulBackward(dh, c.act, N, 4 * D, p, g, L.fcProjWeight.offset, L.fcProjBias.offset, D);
      const dFc = new Float64Array(dAct.length);
      for (let i = 0; i < dAct.length; i++) {
        const x = c.fc[i]!, th = c.th[i]!;
        dFc[i] = dAct[i]! * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * GELU_C * (1 + 3 * 0.044715 * x * x));
      }
      const dX2 = matmulBackward(dFc, c.x2, N, D, p, g, L.fcWeight.offset, L.fcBias.offset, 4 * D);
      const dH1 = layerNormBackward(dX2, c.h1, N, D, p, g, L.ln2Gamma.offset, L.ln2Beta.offset, c.mean2, c.rstd2);
      for (let i = 0; i < N * D; i++) dH1[i]! += dh[i]!;
      // h1 = h + proj(attention(ln1(h)))
      const dCtx = matmulBackward(dH1, c.ctx, N, D, p, g, L.projWeight.offset, L.projBias.offset, D);
      const dQkv = new Float64Array(N * 3 * D);
      const dP = new Float64Array(batch.length);
      for (let b = 0; b < pk.len.length; b++) {
        const s0 = pk.start[b]!, T = pk.len[b]!;
        for (let hh = 0; hh < H; hh++) {
          const qo = hh * hd, ko = D + hh * hd, vo = 2 * D + hh * hd;
          for (let i = 0; i < T; i++) {
            const pr = pk.probStart[b]! + (hh * T + i) * T;
            const co = (s0 + i) * D + qo;
            let dot = 0;
            for (let j = 0; j <= i; j++) {
              const vj = (s0 + j) * 3 * D + vo;
              let s = 0;
              for (let cc = 0; cc < hd; cc++) {
                s += dCtx[co + cc]! * c.qkv[vj + cc]!;
                dQkv[vj + cc]! += c.probs[pr + j]! * dCtx[co + cc]!;
              }
              dP[j] = s;
              dot += s * c.probs[pr + j]!;
            }
            const qi = (s0 + i) * 3 * D + qo;
            for (let j = 0; j <= i; j++) {
              const dS = c.probs[pr + j]! * (dP[j]! - dot) * scale;
              if (dS === 0) continue;
              const kj = (s0 + j) * 3 * D + ko;
              for (let cc = 0; cc < hd; cc++) {
                dQkv[qi + cc]! += dS * c.qkv[kj + cc]!;
                dQkv[kj + cc]! += dS * c.qkv[qi + cc]!;
              }
            }
          }
        }
      }
      const dX1 = matmulBackward(dQkv, c.x1, N, D, p, g, L.qkvWeight.offset, L.qkvBias.offset, 3 * D);
      const dH = layerNormBackward(dX1, c.hIn, N, D, p, g, L.ln1Gamma.offset, L.ln1Beta.offset, c.mean1, c.rstd1);
      for (let i = 0; i < N * D; i++) dH[i]! += dH1[i]!;
      dh = dH;
    }
    const { wte, wpe } = this.layout;
    for (let r = 0; r < N; r++) {
      const eo = wte.offset + pk.ids[r]! * D, po = wpe.offset + pk.pos[r]! * D;
      for (let i = 0; i < D; i++) { g[eo + i]! += dh[r * D + i]!; g[po + i]! += dh[r * D + i]!; }
    }
    return (weight * loss) / count;
  }

  zeroGrad(): void {
    this.grads.fill(0);
  }
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

/** Adam with bias correction, global-norm clipping and an optional linear warmup. */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(size: number, private readonly options: { beta1?: number; beta2?: number; eps?: number; clip?: number; warmup?: number } = {}) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Applies one update to `params` from `grads`; returns the gradient norm before clipping. */
  step(params: Float32Array, grads: Float64Array, lr: number): number {
    const b1 = this.options.beta1 ?? 0.9, b2 = this.options.beta2 ?? 0.98, eps = this.options.eps ?? 1e-8;
    const clip = this.options.clip ?? 1, warmup = this.options.warmup ?? 0;
    let norm = 0;
    for (let i = 0; i < grads.length; i++) norm += grads[i]! * grads[i]!;
    norm = Math.sqrt(norm);
    const scale = norm > clip ? clip / norm : 1;
    this.t++;
    const rate = lr * (warmup > 0 ? Math.min(1, this.t / warmup) : 1);
    const c1 = 1 - b1 ** this.t, c2 = 1 - b2 ** this.t;
    for (let i = 0; i < params.length; i++) {
      const gi = grads[i]! * scale;
      const m = (this.m[i] = b1 * this.m[i]! + (1 - b1) * gi);
      const v = (this.v[i] = b2 * this.v[i]! + (1 - b2) * gi * gi);
      params[i] = params[i]! - (rate * (m / c1)) / (Math.sqrt(v / c2) + eps);
    }
    return norm;
  }
}
