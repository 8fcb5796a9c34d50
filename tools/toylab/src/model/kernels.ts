// The trainer's non-matmul kernels over float32 rows: LayerNorm, gelu_new and causal attention, forward
// and backward, each writing into a caller's buffer (no allocation in the training loop).
import type { Packed } from './batch.ts';

export const LN_EPS = 1e-5;
export const GELU_C = Math.sqrt(2 / Math.PI);

/** Grow-only named scratch buffers: a step reuses the arrays of the previous one. */
export class Workspace {
  private readonly buffers = new Map<string, Float32Array>();
  /** A buffer of `size` floats under `key` (its contents are whatever the last user left; see `zeroed`). */
  get(key: string, size: number): Float32Array {
    let b = this.buffers.get(key);
    if (!b || b.length < size) { b = new Float32Array(Math.max(size, Math.ceil((b?.length ?? 0) * 1.5))); this.buffers.set(key, b); }
    return b.subarray(0, size);
  }
  zeroed(key: string, size: number): Float32Array {
    const b = this.get(key, size);
    b.fill(0);
    return b;
  }
}

/** y = LayerNorm(x) * gamma + beta per row of d; saves each row's mean and 1/std. */
export function layerNorm(x: Float32Array, n: number, d: number, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, rstd: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let m = 0;
    for (let i = 0; i < d; i++) m += x[o + i]!;
    m /= d;
    let v = 0;
    for (let i = 0; i < d; i++) { const t = x[o + i]! - m; v += t * t; }
    const s = 1 / Math.sqrt(v / d + LN_EPS);
    mean[r] = m; rstd[r] = s;
    for (let i = 0; i < d; i++) y[o + i] = (x[o + i]! - m) * s * gamma[i]! + beta[i]!;
  }
}

/** dx = dLayerNorm(dy); accumulates dGamma, dBeta. */
export function layerNormBackward(dy: Float32Array, x: Float32Array, n: number, d: number, gamma: Float32Array, dGamma: Float32Array, dBeta: Float32Array, mean: Float32Array, rstd: Float32Array, dx: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const o = r * d, m = mean[r]!, s = rstd[r]!;
    let sumG = 0, sumGX = 0;
    for (let i = 0; i < d; i++) {
      const xh = (x[o + i]! - m) * s;
      const g = dy[o + i]! * gamma[i]!;
      dGamma[i]! += dy[o + i]! * xh;
      dBeta[i]! += dy[o + i]!;
      sumG += g; sumGX += g * xh;
    }
    for (let i = 0; i < d; i++) {
      const xh = (x[o + i]! - m) * s;
      const g = dy[o + i]! * gamma[i]!;
      dx[o + i] = (s / d) * (d * g - sumG - xh * sumGX);
    }
  }
}

/** act = gelu_new(fc); keeps tanh(...) for the backward pass. */
export function gelu(fc: Float32Array, size: number, th: Float32Array, act: Float32Array): void {
  for (let i = 0; i < size; i++) { const x = fc[i]!, t = Math.tanh(GELU_C * (x + 0.044715 * x * x * x)); th[i] = t; act[i] = 0.5 * x * (1 + t); }
}

export function geluBackward(dAct: Float32Array, fc: Float32Array, th: Float32Array, size: number, dFc: Float32Array): void {
  for (let i = 0; i < size; i++) {
    const x = fc[i]!, t = th[i]!;
    dFc[i] = dAct[i]! * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x));
  }
}

/** Fills each of n rows of y with the bias (a Conv1D's y = x W + b starts from b). */
export function fillRows(y: Float32Array, n: number, bias: Float32Array): void {
  const d = bias.length;
  for (let r = 0; r < n; r++) y.set(bias, r * d);
}

/** db += column sums of dy [n, d]. */
export function addColumnSums(dy: Float32Array, n: number, d: number, db: Float32Array): void {
  for (let r = 0; r < n; r++) { const o = r * d; for (let i = 0; i < d; i++) db[i]! += dy[o + i]!; }
}

/** Causal multi-head attention over packed rows: qkv [n, 3D] -> ctx [n, D]; saves the probabilities. */
export function attention(pk: Packed, qkv: Float32Array, D: number, H: number, probs: Float32Array, ctx: Float32Array): void {
  const hd = D / H, scale = 1 / Math.sqrt(hd), D3 = 3 * D;
  ctx.fill(0, 0, pk.n * D);
  for (let b = 0; b < pk.len.length; b++) {
    const s0 = pk.start[b]!, T = pk.len[b]!;
    for (let hh = 0; hh < H; hh++) {
      const qo = hh * hd, ko = D + hh * hd, vo = 2 * D + hh * hd;
      for (let i = 0; i < T; i++) {
        const pr = pk.probStart[b]! + (hh * T + i) * T;
        const qi = (s0 + i) * D3 + qo;
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          const kj = (s0 + j) * D3 + ko;
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
          const vj = (s0 + j) * D3 + vo;
          for (let c = 0; c < hd; c++) ctx[co + c]! += a * qkv[vj + c]!;
        }
      }
    }
  }
}

/** dQkv (zeroed here) from dCtx through the attention; `dP` is scratch of at least the longest row. */
export function attentionBackward(pk: Packed, qkv: Float32Array, probs: Float32Array, dCtx: Float32Array, D: number, H: number, dP: Float32Array, dQkv: Float32Array): void {
  const hd = D / H, scale = 1 / Math.sqrt(hd), D3 = 3 * D;
  dQkv.fill(0, 0, pk.n * D3);
  for (let b = 0; b < pk.len.length; b++) {
    const s0 = pk.start[b]!, T = pk.len[b]!;
    for (let hh = 0; hh < H; hh++) {
      const qo = hh * hd, ko = D + hh * hd, vo = 2 * D + hh * hd;
      for (let i = 0; i < T; i++) {
        const pr = pk.probStart[b]! + (hh * T + i) * T;
        const co = (s0 + i) * D + qo;
        let dot = 0;
        for (let j = 0; j <= i; j++) {
          const vj = (s0 + j) * D3 + vo, pj = probs[pr + j]!;
          let s = 0;
          for (let c = 0; c < hd; c++) {
            s += dCtx[co + c]! * qkv[vj + c]!;
            dQkv[vj + c]! += pj * dCtx[co + c]!;
          }
          dP[j] = s;
          dot += s * pj;
        }
        const qi = (s0 + i) * D3 + qo;
        for (let j = 0; j <= i; j++) {
          const dS = probs[pr + j]! * (dP[j]! - dot) * scale;
          if (dS === 0) continue;
          const kj = (s0 + j) * D3 + ko;
          for (let c = 0; c < hd; c++) {
            dQkv[qi + c]! += dS * qkv[kj + c]!;
            dQkv[kj + c]! += dS * qkv[qi + c]!;
          }
        }
      }
    }
  }
}
