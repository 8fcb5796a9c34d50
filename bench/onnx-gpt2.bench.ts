// Speed of the tools/onnx-gpt2 pieces the runner and the toy lab lean on, each as a ratio to a baseline
// measured side by side in this run: KV-cache generation vs recomputing, ONNX vs the TS reference,
// fp16 vs fp32, and the pure-TS tokenizer vs transformers.js. Run: npx tsx bench/onnx-gpt2.bench.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { buildByteLevelTokenizer, buildGpt2Onnx, encode, randomGpt2Weights, referenceForward, writeCheckpoint, type Gpt2Config, type ExportVariant } from '@cpi-bench/onnx-gpt2';

const CONFIG: Gpt2Config = { vocabSize: 1000, nPositions: 128, nEmbd: 128, nLayer: 4, nHead: 4 };
const BATCH = 8;
const PROMPT_LEN = 24;
const NEW_TOKENS = 32;
const REPEATS = 3;

const weights = randomGpt2Weights(CONFIG, 7);
const prompts = Array.from({ length: BATCH }, (_, b) => Array.from({ length: PROMPT_LEN }, (_, i) => (b * 31 + i * 17) % 1000));
const i64 = (rows: number[][]): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);

async function best(fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn(); // warm-up (JIT, ORT arena)
  let min = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

/** Greedy batch generation; with a cache each step feeds one token, without one it re-runs the whole sequence. */
async function generate(variant: Partial<ExportVariant>): Promise<() => Promise<void>> {
  const s = await ort.InferenceSession.create(buildGpt2Onnx(CONFIG, weights, variant).graph);
  const fp16 = variant.dtype === 'fp16';
  const kvH = CONFIG.nHead;
  const hd = CONFIG.nEmbd / CONFIG.nHead;
  return async () => {
    const seqs = prompts.map((p) => [...p]);
    let past: Record<string, ort.Tensor> = {};
    if (variant.withPast !== false) {
      for (let i = 0; i < CONFIG.nLayer; i++) for (const k of ['key', 'value']) {
        past[`past_key_values.${i}.${k}`] = new ort.Tensor(fp16 ? 'float16' : 'float32', fp16 ? new Uint16Array(0) : new Float32Array(0), [BATCH, kvH, 0, hd]);
      }
    }
    for (let step = 0; step < NEW_TOKENS; step++) {
      const len = seqs[0]!.length;
      const cached = variant.withPast !== false && step > 0;
      const input = cached ? seqs.map((s) => [s[len - 1]!]) : seqs;
      const start = len - input[0]!.length;
      const out = await s.run({
        input_ids: i64(input), attention_mask: i64(seqs.map((s) => s.map(() => 1))),
        position_ids: i64(input.map((r) => r.map((_, i) => start + i))), ...past,
      });
      const logits = out['logits']!;
      const S = input[0]!.length;
      const data = logits.data as Float32Array | Uint16Array;
      for (let b = 0; b < BATCH; b++) {
        let arg = 0;
        const off = (b * S + S - 1) * CONFIG.vocabSize;
        // For fp16 this compares bit patterns, not values: which token wins does not change the timing.
        for (let v = 1; v < CONFIG.vocabSize; v++) if (data[off + v]! > data[off + arg]!) arg = v;
        seqs[b]!.push(arg);
      }
      if (variant.withPast !== false) {
        past = {};
        for (const [n, t] of Object.entries(out)) if (n.startsWith('present.')) past[n.replace('present.', 'past_key_values.')] = t as ort.Tensor;
      }
    }
  };
}

const rows: [string, string, number, number][] = [];
const line = (what: string, baseline: string, ms: number, baseMs: number): void => { rows.push([what, baseline, ms, baseMs]); };

const noCache = await best(await generate({ withPast: false }));
const cache = await best(await generate({}));
const fp16 = await best(await generate({ dtype: 'fp16' }));
const tokens = BATCH * NEW_TOKENS;
line(`generate ${BATCH}x${NEW_TOKENS} with KV cache (${(tokens / cache * 1000).toFixed(0)} tok/s)`, `recompute, no cache (${(tokens / noCache * 1000).toFixed(0)} tok/s)`, cache, noCache);
line('generate with KV cache, fp16 weights/cache', 'same, fp32', fp16, cache);

const session = await ort.InferenceSession.create(buildGpt2Onnx(CONFIG, weights, { withPast: false }).graph);
const onnxForward = await best(() => session.run({ input_ids: i64(prompts), attention_mask: i64(prompts.map((p) => p.map(() => 1))), position_ids: i64(prompts.map((p) => p.map((_, i) => i))) }));
const refForward = await best(() => referenceForward(CONFIG, weights, prompts));
line(`onnxruntime forward ${BATCH}x${PROMPT_LEN}`, 'referenceForward (plain TS)', onnxForward, refForward);

const corpus = Array.from({ length: 2000 }, (_, i) => `Context: The capital of Country${i % 250} is City${(i * 7) % 300}.\nQuestion: What is the capital of Country${i % 250}?\nAnswer: City${i % 300}`);
const learn = await best(() => buildByteLevelTokenizer({ corpus, vocabSize: 1000 }));
const tokenizer = buildByteLevelTokenizer({ corpus, vocabSize: 1000 });
const dir = await mkdtemp(join(tmpdir(), 'bench-onnx-gpt2-'));
try {
  const write = await best(() => writeCheckpoint(join(dir, 'ckpt'), { config: CONFIG, weights, tokenizer }));
  env.allowRemoteModels = false;
  env.localModelPath = dir;
  const hf = await AutoTokenizer.from_pretrained('ckpt');
  const ours = await best(() => { for (const text of corpus) encode(tokenizer, text); });
  const theirs = await best(() => { for (const text of corpus) hf.encode(text, { add_special_tokens: false }); });
  line(`encode ${corpus.length} prompts (pure-TS encode)`, 'transformers.js tokenizer.encode', ours, theirs);
  console.log(`learn 1000-token BPE from ${corpus.length} prompts: ${learn.toFixed(0)} ms; writeCheckpoint (${CONFIG.nLayer} layers, d${CONFIG.nEmbd}, V${CONFIG.vocabSize}): ${write.toFixed(0)} ms`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

console.log(`best of ${REPEATS} after a warm-up; ratio = baseline time / time (>1 means faster than the baseline)`);
for (const [what, baseline, ms, baseMs] of rows) {
  console.log(`${what.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms | ${baseline.padEnd(36)} ${baseMs.toFixed(1).padStart(8)} ms | x${(baseMs / ms).toFixed(2)}`);
}
