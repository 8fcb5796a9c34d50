// The independent reference: GPT-2 logits computed in plain TypeScript (float64 accumulation), used by tests
// to check every ONNX variant, and by the toy lab to check its trained weights before export.
import { CpiError } from '@cpi-bench/schemas';
import { checkWeights, type Gpt2Config, type Gpt2Weights } from './model.ts';

/** y[n, out] = x[n, in] @ w[in, out] + b[out] */
function linear(x: Float64Array, n: number, inDim: number, w: Float32Array, b: Float32Array, outDim: number): Float64Array {
  const y = new Float64Array(n * outDim);
  for (let r = 0; r < n; r++) {
    const yo = r * outDim;
    for (let o = 0; o < outDim; o++) y[yo + o] = b[o]!;
    for (let i = 0; i < inDim; i++) {
      const xv = x[r * inDim + i]!;
      if (xv === 0) continue;
      const wo = i * outDim;
      for (let o = 0; o < outDim; o++) y[yo + o]! += xv * w[wo + o]!;
    }
  }
  return y;
}

function layerNorm(x: Float64Array, n: number, d: number, gamma: Float32Array, beta: Float32Array, eps: number): Float64Array {
  const y = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[r * d + i]!;
    mean /= d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x[r * d + i]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let i = 0; i < d; i++) y[r * d + i] = (x[r * d + i]! - mean) * inv * gamma[i]! + beta[i]!;
  }
  return y;
}

const GELU_C = Math.sqrt(2 / Math.PI);
/** gelu_new, the tanh approximation GPT-2 was trained with. */
const gelu = (x: number): number => 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));

/**
 * Logits [B, S, V] (row-major) for a batch of equal-length, unpadded sequences at positions 0..S-1.
 * Grouped-query attention repeats each key/value head for nHead/nKvHead consecutive query heads.
 * @example referenceForward(config, weights, [[1, 2, 3]]) // Float32Array of 3 * vocabSize logits
 */
export function referenceForward(config: Gpt2Config, weights: Gpt2Weights, inputIds: number[][]): Float32Array {
  const { V, P, D, H, kvH, hd, kvDim, eps } = checkWeights(config, weights);
  const B = inputIds.length;
  const S = inputIds[0]?.length ?? 0;
  if (inputIds.some((row) => row.length !== S)) {
    throw new CpiError('CPI_ONNX_GPT2_BAD_INPUT', 'referenceForward needs sequences of equal length (it has no padding mask)');
  }
  if (S > P) throw new CpiError('CPI_ONNX_GPT2_BAD_INPUT', `sequence length ${S} exceeds nPositions ${P}`);
  const rep = H / kvH;
  const qkvDim = D + 2 * kvDim;
  const logits = new Float32Array(B * S * V);
  for (let b = 0; b < B; b++) {
    const ids = inputIds[b]!;
    let h: Float64Array = new Float64Array(S * D);
    ids.forEach((id, s) => {
      if (!Number.isInteger(id) || id < 0 || id >= V) throw new CpiError('CPI_ONNX_GPT2_BAD_INPUT', `token id ${id} is outside the vocabulary [0, ${V})`);
      for (let i = 0; i < D; i++) h[s * D + i] = weights.wte[id * D + i]! + weights.wpe[s * D + i]!;
    });
    for (const layer of weights.layers) {
      const x = layerNorm(h, S, D, layer.ln1Gamma, layer.ln1Beta, eps);
      const qkv = linear(x, S, D, layer.qkvWeight, layer.qkvBias, qkvDim);
      const ctx = new Float64Array(S * D);
      const scores = new Float64Array(S);
      for (let head = 0; head < H; head++) {
        const qOff = head * hd;
        const kvHead = Math.floor(head / rep);
        const kOff = D + kvHead * hd;
        const vOff = D + kvDim + kvHead * hd;
        for (let i = 0; i < S; i++) {
          let max = -Infinity;
          for (let j = 0; j <= i; j++) {
            let dot = 0;
            for (let c = 0; c < hd; c++) dot += qkv[i * qkvDim + qOff + c]! * qkv[j * qkvDim + kOff + c]!;
            scores[j] = dot / Math.sqrt(hd);
            if (scores[j]! > max) max = scores[j]!;
          }
          let sum = 0;
          for (let j = 0; j <= i; j++) {
            scores[j] = Math.exp(scores[j]! - max);
            sum += scores[j]!;
          }
          for (let j = 0; j <= i; j++) {
            const p = scores[j]! / sum;
            for (let c = 0; c < hd; c++) ctx[i * D + qOff + c]! += p * qkv[j * qkvDim + vOff + c]!;
          }
        }
      }
      const attn = linear(ctx, S, D, layer.projWeight, layer.projBias, D);
      for (let i = 0; i < S * D; i++) h[i]! += attn[i]!;
      const x2 = layerNorm(h, S, D, layer.ln2Gamma, layer.ln2Beta, eps);
      const fc = linear(x2, S, D, layer.fcWeight, layer.fcBias, 4 * D).map(gelu);
      const mlp = linear(fc, S, 4 * D, layer.fcProjWeight, layer.fcProjBias, D);
      for (let i = 0; i < S * D; i++) h[i]! += mlp[i]!;
    }
    h = layerNorm(h, S, D, weights.lnfGamma, weights.lnfBeta, eps);
    for (let s = 0; s < S; s++) {
      for (let v = 0; v < V; v++) {
        let dot = 0;
        for (let i = 0; i < D; i++) dot += h[s * D + i]! * weights.wte[v * D + i]!;
        logits[(b * S + s) * V + v] = dot;
      }
    }
  }
  return logits;
}
