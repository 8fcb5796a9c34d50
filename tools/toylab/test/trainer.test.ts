// The trainer's maths: hand-written backward against finite differences, and the exported ONNX model
// against the trainer's own logits (real onnxruntime-node, with and without the KV cache).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildByteLevelTokenizer, referenceForward, writeCheckpoint } from '@cpi-bench/onnx-gpt2';
import { Adam, Gemm, TinyGpt, createRng, gemmJs, makeBatch } from '../src/index.ts';

const CONFIG = { vocabSize: 300, nPositions: 24, nEmbd: 16, nLayer: 2, nHead: 2 };

/** A small model whose weights have moved away from the initialisation (LayerNorm gains, biases). */
function trainedish(seed: number): TinyGpt {
  const rng = createRng(seed);
  const model = TinyGpt.init(CONFIG, rng);
  for (let i = 0; i < model.params.length; i++) model.params[i]! += 0.1 * rng.normal();
  return model;
}

describe('TinyGpt backward', () => {
  it('matches central finite differences on every kind of parameter', () => {
    const model = trainedish(1);
    const batch = makeBatch([[1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15, 16], [17, 18]], [[0, 2, 4], [0, 6, 299], [1, 3, 11], [2, 1, 2], [2, 4, 7], [3, 1, 5]]);
    model.zeroGrad();
    model.lossAndGrad(batch);
    const analytic = model.grads.slice();
    const rng = createRng(2);
    let worst = 0;
    for (let k = 0; k < 200; k++) {
      // Half of the probes on parameters that the batch actually touches (embedding rows of its tokens are sparse).
      const i = k % 2 === 0 ? rng.int(model.size) : (() => { let j; do j = rng.int(model.size); while (analytic[j] === 0); return j; })();
      const old = model.params[i]!;
      const h = 1e-2;
      model.params[i] = old + h; model.zeroGrad(); const up = model.lossAndGrad(batch);
      model.params[i] = old - h; model.zeroGrad(); const down = model.lossAndGrad(batch);
      const step = (old + h) - (old - h);
      model.params[i] = old;
      const numeric = (up - down) / step;
      worst = Math.max(worst, Math.abs(numeric - analytic[i]!) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic[i]!)));
    }
    expect(worst).toBeLessThan(0.02);
  });

  it('agrees with the independent reference forward of @cpi-bench/onnx-gpt2', () => {
    const model = trainedish(3);
    const ids = [[5, 17, 99, 3, 250, 42, 7, 8]];
    const ours = model.logitsAll(makeBatch(ids, []));
    const ref = referenceForward(model.config, model.toWeights(), ids);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - ours[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('computes each row only up to its last requested position, with the same logits as a full pass', () => {
    const model = trainedish(6);
    const batch = makeBatch([[1, 2, 3, 4, 5, 6, 7], [8, 9, 10], [11, 12, 13, 14, 15]], []);
    const V = CONFIG.vocabSize;
    const all = model.logitsAll(batch);
    const positions = [2, 7 + 1, 14 + 0, 14 + 3, 0];
    const some = model.logitsAt(batch, positions);
    positions.forEach((f, k) => expect(Array.from(some.subarray(k * V, (k + 1) * V))).toEqual(Array.from(all.subarray(f * V, (f + 1) * V))));
    expect(() => model.logitsAt(batch, [21])).toThrow(/outside/);
  });

  it('learns: Adam steps lower the loss on a fixed batch', () => {
    const model = TinyGpt.init(CONFIG, createRng(4));
    const batch = makeBatch([[1, 2, 3, 4, 5, 6]], [[0, 0, 2], [0, 1, 3], [0, 2, 4], [0, 3, 5], [0, 4, 6]]);
    const opt = new Adam(model.size);
    model.zeroGrad();
    const first = model.lossAndGrad(batch);
    let last = first;
    for (let s = 0; s < 30; s++) { model.zeroGrad(); last = model.lossAndGrad(batch); opt.step(model.params, model.grads, 1e-2); }
    expect(last).toBeLessThan(first / 4);
  });
});

describe('the WebAssembly SIMD matrix product', () => {
  it('equals the plain-JS float32 product bit for bit, for odd shapes, padded widths and accumulation', () => {
    const gemm = new Gemm();
    const rng = createRng(11);
    for (const [m, k, n] of [[1, 1, 16], [3, 5, 16], [7, 9, 48], [5, 13, 20], [2, 64, 1025], [33, 0, 32]] as const) {
      for (const accumulate of [false, true]) {
        const a = Float32Array.from({ length: m * k }, () => rng.normal());
        const b = Float32Array.from({ length: k * n }, () => rng.normal());
        const c = Float32Array.from({ length: m * n }, () => rng.normal());
        const expected = c.slice();
        gemmJs(a, b, expected, m, k, n, accumulate);
        gemm.run(a, b, c, m, k, n, accumulate);
        expect(Array.from(c)).toEqual(Array.from(expected));
      }
    }
  });
});

describe('determinism', () => {
  it('the same seed and batches give bit-identical parameters after training', () => {
    const train = (): Float32Array => {
      const model = TinyGpt.init(CONFIG, createRng(8));
      const opt = new Adam(model.size, { warmup: 3 });
      const rng = createRng(9);
      for (let s = 0; s < 12; s++) {
        const rows = Array.from({ length: 5 }, () => Array.from({ length: 3 + rng.int(8) }, () => 1 + rng.int(CONFIG.vocabSize - 1)));
        const loss = rows.flatMap((r, i) => r.slice(1).map((t, p) => [i, p, t] as [number, number, number]));
        model.zeroGrad();
        model.lossAndGrad(makeBatch(rows, loss));
        opt.step(model.params, model.grads, 3e-3);
      }
      return model.params;
    };
    const first = train(), second = train();
    expect(Buffer.from(first.buffer).equals(Buffer.from(second.buffer))).toBe(true);
    const initial = TinyGpt.init(CONFIG, createRng(8)).params;
    expect(first.some((v, i) => v !== initial[i])).toBe(true); // it did train
  });
});

describe('ONNX export of trained weights', () => {
  it('gives the trainer\'s logits within 1e-4, with and without the KV cache', async () => {
    const model = trainedish(5);
    const dir = await mkdtemp(join(tmpdir(), 'toylab-export-'));
    try {
      await writeCheckpoint(dir, { config: model.config, weights: model.toWeights(), tokenizer: buildByteLevelTokenizer(), step: 7 });
      const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
      const ids = [[5, 17, 99, 3, 250, 42, 7, 8, 1, 0]];
      const S = ids[0]!.length;
      const V = CONFIG.vocabSize;
      const expected = model.logitsAll(makeBatch(ids, []));
      const hd = CONFIG.nEmbd / CONFIG.nHead;
      const i64 = (row: number[]) => new ort.Tensor('int64', BigInt64Array.from(row.map(BigInt)), [1, row.length]);
      const past = (len: number, from?: ort.InferenceSession.OnnxValueMapType) => {
        const out: Record<string, ort.Tensor> = {};
        for (let l = 0; l < CONFIG.nLayer; l++) for (const kv of ['key', 'value']) {
          out[`past_key_values.${l}.${kv}`] = from ? (from[`present.${l}.${kv}`] as ort.Tensor) : new ort.Tensor('float32', new Float32Array(0), [1, CONFIG.nHead, len, hd]);
        }
        return out;
      };
      const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
      const maxDiff = (got: Float32Array, offset: number) => got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[offset + i]!)), 0);
      // One full pass.
      const full = await session.run({ input_ids: i64(ids[0]!), attention_mask: i64(ids[0]!.map(() => 1)), position_ids: i64(range(0, S)), ...past(0) });
      expect((full['logits'] as ort.Tensor).dims).toEqual([1, S, V]);
      expect(maxDiff((full['logits'] as ort.Tensor).data as Float32Array, 0)).toBeLessThan(1e-4);
      // Prefix of 6, then the remaining tokens one at a time through the cache.
      let out = await session.run({ input_ids: i64(ids[0]!.slice(0, 6)), attention_mask: i64(range(0, 6).map(() => 1)), position_ids: i64(range(0, 6)), ...past(0) });
      for (let t = 6; t < S; t++) {
        out = await session.run({ input_ids: i64([ids[0]![t]!]), attention_mask: i64(range(0, t + 1).map(() => 1)), position_ids: i64([t]), ...past(t, out) });
        expect(maxDiff((out['logits'] as ort.Tensor).data as Float32Array, t * V)).toBeLessThan(1e-4);
      }
      await session.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
