// Where each tensor of the tiny GPT-2 lives in its one flat parameter vector: exactly the layout of
// @cpi-bench/onnx-gpt2's Gpt2Weights (tied LM head, Conv1D [in, out] matrices), so export is a slice.
import type { Gpt2Config } from '@cpi-bench/onnx-gpt2';

export const LAYER_KEYS = ['ln1Gamma', 'ln1Beta', 'qkvWeight', 'qkvBias', 'projWeight', 'projBias', 'ln2Gamma', 'ln2Beta', 'fcWeight', 'fcBias', 'fcProjWeight', 'fcProjBias'] as const;
export type LayerKey = (typeof LAYER_KEYS)[number];

export interface Slot { offset: number; size: number }

/** Parameter offsets of every tensor inside the flat parameter vector. */
export interface Layout { wte: Slot; wpe: Slot; layers: Record<LayerKey, Slot>[]; lnfGamma: Slot; lnfBeta: Slot; total: number }

export function makeLayout(c: Gpt2Config): Layout {
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

/** A view of one tensor (no copy). */
export const view = (a: Float32Array, s: Slot): Float32Array => a.subarray(s.offset, s.offset + s.size);
