// A tiny GPT-2 with hand-written forward and backward passes in float32: the lab's trainer. Its parameters
// use the layout of @cpi-bench/onnx-gpt2's Gpt2Weights (layout.ts), so an exported checkpoint computes the
// same function as the trained model. Matrix products run on the WebAssembly SIMD kernel (gemm.ts), the
// rest in kernels.ts; activations live in reused scratch buffers, so a training step allocates little.
import { CpiError } from '@cpi-bench/schemas';
import type { Gpt2Config, Gpt2LayerWeights, Gpt2Weights } from '@cpi-bench/onnx-gpt2';
import type { Rng } from '../rng.ts';
import { pack, type Batch, type Packed } from './batch.ts';
import { Gemm, transpose } from './gemm.ts';
import { addColumnSums, attention, attentionBackward, fillRows, gelu, geluBackward, layerNorm, layerNormBackward, LN_EPS, Workspace } from './kernels.ts';
import { LAYER_KEYS, makeLayout, view, type Layout, type Slot } from './layout.ts';

/** One kernel instance per process: its memory is scratch, reused by every model in turn. */
let sharedGemm: Gemm | undefined;
const gemm = (): Gemm => (sharedGemm ??= new Gemm());

/**
 * The trainable model. `params` is the single flat Float32Array the optimizer updates; `toWeights()`
 * cuts it into a Gpt2Weights for export.
 */
export class TinyGpt {
  readonly config: Gpt2Config;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  private readonly layout: Layout;
  private readonly ws = new Workspace();

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
    this.grads = new Float32Array(this.layout.total);
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

  /** y[n, out] = x[n, in] @ W + b (Conv1D layout). */
  private linear(x: Float32Array, n: number, inDim: number, outDim: number, w: Slot, b: Slot, y: Float32Array): void {
    fillRows(y, n, view(this.params, b));
    gemm().run(x, view(this.params, w), y, n, inDim, outDim, true);
  }

  /** Backward of `linear`: dW += x^T dy, db += sum dy, dx = dy W^T. */
  private linearBackward(dy: Float32Array, x: Float32Array, n: number, inDim: number, outDim: number, w: Slot, b: Slot, dx: Float32Array): void {
    const g = gemm();
    addColumnSums(dy, n, outDim, view(this.grads, b));
    const xT = transpose(x, n, inDim, this.ws.get('xT', n * inDim));
    g.run(xT, dy, view(this.grads, w), inDim, n, outDim, true);
    const wT = transpose(view(this.params, w), inDim, outDim, this.ws.get('wT', inDim * outDim));
    g.run(dy, wT, dx, n, outDim, inDim, false);
  }

  /**
   * Runs the model on the packed tokens `pk`; leaves every activation the backward pass needs in the
   * workspace and returns the final hidden states (after ln_f). Positions beyond a row's end may hold any
   * token: causal attention keeps them out of earlier positions.
   */
  private forwardHidden(batch: Batch, pk: Packed): Float32Array {
    const { nEmbd: D, nHead: H, nPositions: P } = this.config;
    if (batch.length > P) throw new CpiError('CPI_TOYLAB_SEQUENCE_TOO_LONG', `sequence length ${batch.length} exceeds nPositions ${P}`);
    const N = pk.n, p = this.params, ws = this.ws;
    let h = ws.get('h0', N * D);
    const { wte, wpe } = this.layout;
    for (let r = 0; r < N; r++) {
      const eo = wte.offset + pk.ids[r]! * D, po = wpe.offset + pk.pos[r]! * D;
      for (let i = 0; i < D; i++) h[r * D + i] = p[eo + i]! + p[po + i]!;
    }
    this.layout.layers.forEach((L, l) => {
      const x1 = ws.get(`x1.${l}`, N * D), mean1 = ws.get(`mean1.${l}`, N), rstd1 = ws.get(`rstd1.${l}`, N);
      layerNorm(h, N, D, view(p, L.ln1Gamma), view(p, L.ln1Beta), x1, mean1, rstd1);
      const qkv = ws.get(`qkv.${l}`, N * 3 * D);
      this.linear(x1, N, D, 3 * D, L.qkvWeight, L.qkvBias, qkv);
      const probs = ws.get(`probs.${l}`, pk.probSize), ctx = ws.get(`ctx.${l}`, N * D);
      attention(pk, qkv, D, H, probs, ctx);
      const h1 = ws.get(`h1.${l}`, N * D);
      this.linear(ctx, N, D, D, L.projWeight, L.projBias, h1);
      for (let i = 0; i < N * D; i++) h1[i]! += h[i]!;
      const x2 = ws.get(`x2.${l}`, N * D), mean2 = ws.get(`mean2.${l}`, N), rstd2 = ws.get(`rstd2.${l}`, N);
      layerNorm(h1, N, D, view(p, L.ln2Gamma), view(p, L.ln2Beta), x2, mean2, rstd2);
      const fc = ws.get(`fc.${l}`, N * 4 * D), th = ws.get(`th.${l}`, N * 4 * D), act = ws.get(`act.${l}`, N * 4 * D);
      this.linear(x2, N, D, 4 * D, L.fcWeight, L.fcBias, fc);
      gelu(fc, N * 4 * D, th, act);
      const h2 = ws.get(`h${l + 1}`, N * D);
      this.linear(act, N, 4 * D, D, L.fcProjWeight, L.fcProjBias, h2);
      for (let i = 0; i < N * D; i++) h2[i]! += h1[i]!;
      h = h2;
    });
    const hidden = ws.get('hidden', N * D);
    layerNorm(h, N, D, view(p, this.layout.lnfGamma), view(p, this.layout.lnfBeta), hidden, ws.get('meanF', N), ws.get('rstdF', N));
    return hidden;
  }

  /** Logits [count, V] at the given flat positions of the batch (row * length + position). A fresh array. */
  logitsAt(batch: Batch, positions: ArrayLike<number>): Float32Array {
    const pk = pack(batch, positions, this.config.nHead);
    const hidden = this.forwardHidden(batch, pk);
    return this.head(hidden, pk.at).slice();
  }

  /** Logits at every position, [rows * length, V]: the comparison target for the ONNX export. */
  logitsAll(batch: Batch): Float32Array {
    const idx = Array.from({ length: batch.rows * batch.length }, (_, i) => i);
    return this.logitsAt(batch, idx);
  }

  /** Logits at the given packed token indices (the tied LM head), in the workspace; the selected rows stay in `hs`. */
  private head(hidden: Float32Array, at: Int32Array): Float32Array {
    const { vocabSize: V, nEmbd: D } = this.config;
    const count = at.length, ws = this.ws;
    const hs = ws.get('hs', count * D);
    for (let k = 0; k < count; k++) hs.set(hidden.subarray(at[k]! * D, at[k]! * D + D), k * D);
    const wteT = transpose(view(this.params, this.layout.wte), V, D, ws.get('wteT', D * V));
    const logits = ws.get('logits', count * V);
    gemm().run(hs, wteT, logits, count, D, V, false);
    return logits;
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
    const p = this.params, g = this.grads, ws = this.ws, L = this.layout;
    const count = batch.lossIndex.length;
    if (count === 0) throw new CpiError('CPI_TOYLAB_EMPTY_BATCH', 'batch has no loss positions');
    const pk = pack(batch, batch.lossIndex, H);
    const N = pk.n;
    const hidden = this.forwardHidden(batch, pk);
    const logits = this.head(hidden, pk.at);
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
    // Tied head: dHs = dLogits @ wte, dWte += dLogits^T @ hs.
    const gm = gemm();
    const hs = ws.get('hs', count * D);
    const dHs = ws.get('dHs', count * D);
    gm.run(logits, view(p, L.wte), dHs, count, V, D, false);
    gm.run(transpose(logits, count, V, ws.get('dLogitsT', V * count)), hs, view(g, L.wte), V, count, D, true);
    const dHidden = ws.zeroed('dHidden', N * D);
    for (let k = 0; k < count; k++) { const o = pk.at[k]! * D; for (let i = 0; i < D; i++) dHidden[o + i]! += dHs[k * D + i]!; }
    const nL = L.layers.length;
    let dh = ws.get('dhA', N * D), spare = ws.get('dhB', N * D);
    layerNormBackward(dHidden, ws.get(`h${nL}`, N * D), N, D, view(p, L.lnfGamma), view(g, L.lnfGamma), view(g, L.lnfBeta), ws.get('meanF', N), ws.get('rstdF', N), dh);
    const dAct = ws.get('dAct', N * 4 * D), dFc = ws.get('dFc', N * 4 * D), dX = ws.get('dX', N * D), dH1 = ws.get('dH1', N * D);
    const dCtx = ws.get('dCtx', N * D), dQkv = ws.get('dQkv', N * 3 * D), dP = ws.get('dP', batch.length);
    for (let l = nL - 1; l >= 0; l--) {
      const Ll = L.layers[l]!;
      const c = (key: string, size: number): Float32Array => ws.get(`${key}.${l}`, size);
      // h2 = h1 + mlp(ln2(h1))
      this.linearBackward(dh, c('act', N * 4 * D), N, 4 * D, D, Ll.fcProjWeight, Ll.fcProjBias, dAct);
      geluBackward(dAct, c('fc', N * 4 * D), c('th', N * 4 * D), N * 4 * D, dFc);
      this.linearBackward(dFc, c('x2', N * D), N, D, 4 * D, Ll.fcWeight, Ll.fcBias, dX);
      layerNormBackward(dX, c('h1', N * D), N, D, view(p, Ll.ln2Gamma), view(g, Ll.ln2Gamma), view(g, Ll.ln2Beta), c('mean2', N), c('rstd2', N), dH1);
      for (let i = 0; i < N * D; i++) dH1[i]! += dh[i]!;
      // h1 = h + proj(attention(ln1(h)))
      this.linearBackward(dH1, c('ctx', N * D), N, D, D, Ll.projWeight, Ll.projBias, dCtx);
      attentionBackward(pk, c('qkv', N * 3 * D), c('probs', pk.probSize), dCtx, D, H, dP, dQkv);
      this.linearBackward(dQkv, c('x1', N * D), N, D, 3 * D, Ll.qkvWeight, Ll.qkvBias, dX);
      layerNormBackward(dX, ws.get(`h${l}`, N * D), N, D, view(p, Ll.ln1Gamma), view(g, Ll.ln1Gamma), view(g, Ll.ln1Beta), c('mean1', N), c('rstd1', N), spare);
      for (let i = 0; i < N * D; i++) spare[i]! += dH1[i]!;
      [dh, spare] = [spare, dh];
    }
    const { wte, wpe } = L;
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
