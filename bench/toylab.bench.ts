// Training speed of the toy lab's trainer against a pinned copy of the trainer before issue 12
// (bench/baseline/toylab-gpt.ts, float64 activations in plain JS), side by side in one process on the same
// weights and the same finetuning and pretraining batches (Adam included). Prints steps/s, the ratio and
// PASS/FAIL against the 3x target. Run: npx tsx bench/toylab.bench.ts  (BENCH_SECONDS=n per side;
// BENCH_OUT=docs/toylab/speed.json also writes the numbers the lab report quotes)
import { Adam, TinyGpt, finetuneBatchForBench, initialModel, prepareLab, pretrainBatchForBench, resolveLabOptions, type Batch } from '@cpi-bench/toylab';
import { writeFileSync } from 'node:fs';
import { Adam as BaselineAdam, TinyGpt as BaselineGpt } from './baseline/toylab-gpt.ts';

const MIN_SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const TARGET = 3;
const ctx = prepareLab(resolveLabOptions({ seed: 0 }));
const model0 = initialModel(ctx);
const { vocabSize: V, nEmbd: D, nLayer: L, nHead: H } = model0.config;

function timeIt(batches: readonly Batch[], step: (b: Batch) => number): { stepsPerSecond: number; loss: number } {
  const loss = step(batches[0]!); // warm-up (JIT) and the first batch's loss, to show both compute the same thing
  let n = 0;
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < MIN_SECONDS || n < 3) step(batches[n++ % batches.length]!);
  return { stepsPerSecond: n / ((performance.now() - t0) / 1000), loss };
}

interface Side { baseline: number; now: number; ratio: number }

function compare(label: string, batches: readonly Batch[]): Side {
  const base = (() => {
    const m = new BaselineGpt(model0.config, model0.params.slice());
    const opt = new BaselineAdam(m.size);
    return timeIt(batches, (b) => { m.zeroGrad(); const l = m.lossAndGrad(b); opt.step(m.params, m.grads, 1e-3); return l; });
  })();
  const now = (() => {
    const m = new TinyGpt(model0.config, model0.params.slice());
    const opt = new Adam(m.size);
    return timeIt(batches, (b) => { m.zeroGrad(); const l = m.lossAndGrad(b); opt.step(m.params, m.grads, 1e-3); return l; });
  })();
  const ratio = now.stepsPerSecond / base.stepsPerSecond;
  console.log(`${label.padEnd(12)} baseline ${base.stepsPerSecond.toFixed(2).padStart(6)} steps/s (loss ${base.loss.toFixed(4)})  now ${now.stepsPerSecond.toFixed(2).padStart(6)} steps/s (loss ${now.loss.toFixed(4)})  x${ratio.toFixed(2)}`);
  return { baseline: Number(base.stepsPerSecond.toFixed(3)), now: Number(now.stepsPerSecond.toFixed(3)), ratio: Number(ratio.toFixed(3)) };
}

const ft = Array.from({ length: 4 }, (_, i) => finetuneBatchForBench(ctx, 100 + i));
const pre = Array.from({ length: 4 }, (_, i) => pretrainBatchForBench(ctx, 200 + i));
console.log(`model: ${L} layers, d=${D}, ${H} heads, vocab ${V}; finetuning batch ${ft[0]!.rows} x ${ft[0]!.length}, pretraining batch ${pre[0]!.rows} x ${pre[0]!.length}; >= ${MIN_SECONDS} s per side`);
const finetuning = compare('finetuning', ft), pretraining = compare('pretraining', pre);
const worst = Math.min(finetuning.ratio, pretraining.ratio);
console.log(`ratio (worse of the two) x${worst.toFixed(2)} against the target x${TARGET}: ${worst >= TARGET ? 'PASS' : 'FAIL'}`);
const out = process.env['BENCH_OUT'];
if (out) writeFileSync(out, JSON.stringify({ finetuning, pretraining, target: TARGET, note: `Measured side by side in one process on a shared 2-core machine (load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}), ${MIN_SECONDS} s per side` }, null, 2) + '\n');
