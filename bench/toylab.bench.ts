// Training speed of the toy lab's hand-written trainer against tfjs on the same model and the same
// finetuning batches (same weights, same loss positions, Adam), measured side by side in one process.
// Prints steps/s for each and the ratio. Run: npx tsx bench/toylab.bench.ts
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Adam, TinyGpt, createRng, finetuneBatchForBench, initialModel, prepareLab, resolveLabOptions, type Batch } from '@cpi-bench/toylab';

const MIN_SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const ctx = prepareLab(resolveLabOptions({ seed: 0 }));
const batches: Batch[] = Array.from({ length: 4 }, (_, i) => finetuneBatchForBench(ctx, 100 + i));
const model0 = initialModel(ctx);
const { vocabSize: V, nEmbd: D, nLayer: L, nHead: H } = model0.config;
const hd = D / H;

function timeIt(name: string, step: (b: Batch) => number): { name: string; stepsPerSecond: number; loss: number } {
  step(batches[0]!); // warm-up (JIT, kernels)
  let n = 0, loss = 0;
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < MIN_SECONDS || n < 2) loss = step(batches[n++ % batches.length]!);
  return { name, stepsPerSecond: n / ((performance.now() - t0) / 1000), loss };
}

function ours(): ReturnType<typeof timeIt> {
  const m = model0.clone();
  const opt = new Adam(m.size);
  return timeIt('toylab (typed arrays)', (b) => { m.zeroGrad(); const l = m.lossAndGrad(b); opt.step(m.params, m.grads, 1e-3); return l; });
}

/** The same GPT-2 in tfjs ops, initialised from the same weights (embedding as one-hot matmul: wasm lacks the gather gradient). */
function tfjsStep(): (b: Batch) => number {
  const w = model0.toWeights();
  const v = (a: Float32Array, shape: number[]) => tf.variable(tf.tensor(a, shape));
  const wte = v(w.wte, [V, D]), wpe = v(w.wpe, [model0.config.nPositions, D]);
  const layers = w.layers.map((l) => ({
    g1: v(l.ln1Gamma, [D]), b1: v(l.ln1Beta, [D]), qkv: v(l.qkvWeight, [D, 3 * D]), qkvB: v(l.qkvBias, [3 * D]),
    proj: v(l.projWeight, [D, D]), projB: v(l.projBias, [D]), g2: v(l.ln2Gamma, [D]), b2: v(l.ln2Beta, [D]),
    fc: v(l.fcWeight, [D, 4 * D]), fcB: v(l.fcBias, [4 * D]), fcP: v(l.fcProjWeight, [4 * D, D]), fcPB: v(l.fcProjBias, [D]),
  }));
  const gF = v(w.lnfGamma, [D]), bF = v(w.lnfBeta, [D]);
  const ln = (x: tf.Tensor2D, g: tf.Variable, b: tf.Variable): tf.Tensor2D => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(g).add(b) as tf.Tensor2D;
  };
  const gelu = (x: tf.Tensor): tf.Tensor => x.mul(0.5).mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1));
  const opt = tf.train.adam(1e-3, 0.9, 0.98, 1e-8);
  return (b: Batch) => {
    const { rows: B, length: T } = b;
    const loss = opt.minimize(() => {
      const ids = tf.tensor1d(b.ids, 'int32');
      let h = tf.matMul(tf.oneHot(ids, V).toFloat(), wte).add(tf.tile(wpe.slice([0, 0], [T, D]), [B, 1])) as tf.Tensor2D;
      const mask = tf.linalg.bandPart(tf.ones([T, T]), -1, 0).sub(1).mul(1e9);
      for (const l of layers) {
        const qkv = tf.matMul(ln(h, l.g1, l.b1), l.qkv).add(l.qkvB);
        const [q, k, vv] = tf.split(qkv, 3, -1).map((t) => t.reshape([B, T, H, hd]).transpose([0, 2, 1, 3]));
        const att = tf.softmax(tf.matMul(q!, k!, false, true).mul(1 / Math.sqrt(hd)).add(mask));
        const c = tf.matMul(att, vv!).transpose([0, 2, 1, 3]).reshape([B * T, D]);
        h = h.add(tf.matMul(c, l.proj).add(l.projB)) as tf.Tensor2D;
        h = h.add(tf.matMul(gelu(tf.matMul(ln(h, l.g2, l.b2), l.fc).add(l.fcB)) as tf.Tensor2D, l.fcP).add(l.fcPB)) as tf.Tensor2D;
      }
      const hf = ln(h, gF, bF);
      // Only the loss positions go through the LM head, as in the typed-array trainer (one-hot select, gradient-safe on every backend).
      const sel = tf.oneHot(tf.tensor1d(b.lossIndex, 'int32'), B * T).toFloat();
      const logits = tf.matMul(tf.matMul(sel, hf), wte, false, true);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(b.lossTarget, 'int32'), V), logits) as tf.Scalar;
    }, true) as tf.Scalar;
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  };
}

async function tfjs(backend: 'cpu' | 'wasm'): Promise<ReturnType<typeof timeIt>> {
  await tf.setBackend(backend);
  await tf.ready();
  return tf.tidy(() => timeIt(`tfjs ${backend}`, tfjsStep()));
}

console.log(`model: ${L} layers, d=${D}, ${H} heads, vocab ${V}; finetuning batch ${batches[0]!.rows} rows x ${batches[0]!.length} tokens (+ rehearsal excluded), answer-only loss, Adam; >= ${MIN_SECONDS} s each`);
const base = await tfjs('cpu');
const wasm = await tfjs('wasm');
const mine = ours();
for (const r of [base, wasm, mine]) console.log(`${r.name.padEnd(24)} ${r.stepsPerSecond.toFixed(2).padStart(7)} steps/s  (first-batch loss ${r.loss.toFixed(3)})  x${(r.stepsPerSecond / base.stepsPerSecond).toFixed(1)} vs tfjs cpu`);
console.log(`ratio toylab / tfjs-cpu: ${(mine.stepsPerSecond / base.stepsPerSecond).toFixed(2)}; toylab / tfjs-wasm: ${(mine.stepsPerSecond / wasm.stepsPerSecond).toFixed(2)}`);
