// The two reference columns of bench/runner-sizes.bench.ts, on the exact requests the runner made (recorded
// through RunDependencies.loadModel): the raw floor (hand-batched session.run, tokens precomputed, no
// records, no store) and the naive baseline (transformers.js, one item at a time).
import { AutoModelForCausalLM, AutoTokenizer, env, pipeline } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import type { LanguageModel, ScoreRequest } from '@cpi-bench/runner';
// The runner's own batching rule (longest first, bounded padding), so that the floor runs the same batches.
import { lengthBatches } from '../packages/runner/src/backend/batching.ts';

export interface Recorded {
  score: ScoreRequest[];
  generate: string[];
}

export interface FloorShape {
  nLayer: number;
  nHead: number;
  headDim: number;
  eos: number;
  maxNew: number;
  batch: number;
}

const i64 = (flat: number[], rows: number, cols: number): ort.Tensor => {
  const data = new BigInt64Array(flat.length);
  const words = new Uint32Array(data.buffer);
  for (let i = 0; i < flat.length; i++) words[2 * i] = flat[i]!;
  return new ort.Tensor('int64', data, [rows, cols]);
};

/** The floor's session.run loops; tokens come from the runner's own tokenizer, before the clock starts. */
export function floorSides(session: ort.InferenceSession, model: LanguageModel, rec: Recorded, s: FloorShape) {
  const emptyPast = (b: number): Record<string, ort.Tensor> => {
    const feeds: Record<string, ort.Tensor> = {};
    for (let l = 0; l < s.nLayer; l++) for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [b, s.nHead, 0, s.headDim]);
    return feeds;
  };
  // Score: each distinct prompt once (longest first, right-padded), then the multi-token candidates' remaining
  // tokens on a copy of their prompt's cache rows, as the runner does; single-token candidates need no second pass.
  const byPrompt = new Map<string, { ctx: number[]; conts: number[][] }>();
  for (const r of rec.score) {
    let g = byPrompt.get(r.prompt);
    if (!g) byPrompt.set(r.prompt, (g = { ctx: model.encode(r.prompt), conts: [] }));
    g.conts.push(model.encode(r.prompt + r.continuation).slice(g.ctx.length));
  }
  const scorePrompts = [...byPrompt.values()].sort((a, b) => b.ctx.length - a.ctx.length);
  const score = async (): Promise<void> => {
    for (const batch of lengthBatches(scorePrompts, (p) => p.ctx.length, s.batch)) {
      const w = batch[0]!.ctx.length;
      const ids: number[] = [];
      const mask: number[] = [];
      const pos: number[] = [];
      for (const { ctx } of batch) for (let t = 0; t < w; t++) (ids.push(ctx[t] ?? 0), mask.push(t < ctx.length ? 1 : 0), pos.push(t));
      const out = await session.run({ input_ids: i64(ids, batch.length, w), attention_mask: i64(mask, batch.length, w), position_ids: i64(pos, batch.length, w), ...emptyPast(batch.length) });
      const rows = batch.flatMap(({ ctx, conts }, b) => conts.filter((c) => c.length > 1).map((c) => ({ b, c, n: ctx.length })));
      for (let r = 0; r < rows.length; r += s.batch * 4) {
        const part = rows.slice(r, r + s.batch * 4);
        const steps = Math.max(...part.map((x) => x.c.length - 1));
        const past: Record<string, ort.Tensor> = {};
        for (const [name, t] of Object.entries(out)) {
          if (!name.startsWith('present')) continue;
          const rowSize = s.nHead * w * s.headDim;
          const src = (t as ort.Tensor).data as Float32Array;
          const dst = new Float32Array(part.length * rowSize);
          part.forEach((x, k) => dst.set(src.subarray(x.b * rowSize, (x.b + 1) * rowSize), k * rowSize));
          past[name.replace('present', 'past_key_values')] = new ort.Tensor('float32', dst, [part.length, s.nHead, w, s.headDim]);
        }
        const cIds: number[] = [];
        const cMask: number[] = [];
        const cPos: number[] = [];
        for (const x of part) {
          for (let t = 0; t < w; t++) cMask.push(mask[x.b * w + t]!);
          for (let j = 0; j < steps; j++) (cIds.push(x.c[j] ?? 0), cMask.push(j < x.c.length - 1 ? 1 : 0), cPos.push(x.n + j));
        }
        await session.run({ input_ids: i64(cIds, part.length, steps), attention_mask: i64(cMask, part.length, w + steps), position_ids: i64(cPos, part.length, steps), ...past }, ['logits']);
      }
    }
  };
  // Generate: left-padded batches of prompts sorted by length, greedy, the KV cache carried between steps.
  const genPrompts = rec.generate.map((p) => model.encode(p)).sort((a, b) => b.length - a.length);
  const generate = async (): Promise<void> => {
    for (const batch of lengthBatches(genPrompts, (p) => p.length, s.batch)) {
      const B = batch.length;
      const w = batch[0]!.length;
      let ids: number[] = [];
      const maskRows = batch.map((p) => Array.from({ length: w }, (_, t) => (t < w - p.length ? 0 : 1)));
      let pos: number[] = [];
      for (const p of batch) for (let t = 0; t < w; t++) (ids.push(t < w - p.length ? s.eos : p[t - (w - p.length)]!), pos.push(Math.max(0, t - (w - p.length))));
      let past = emptyPast(B);
      let last = batch.map((p) => p.length - 1);
      const done = batch.map(() => false);
      for (let step = 0; step < s.maxNew && !done.every(Boolean); step++) {
        const width = maskRows[0]!.length;
        const cols = ids.length / B;
        const out = await session.run({ input_ids: i64(ids, B, cols), attention_mask: i64(maskRows.flat(), B, width), position_ids: i64(pos, B, cols), ...past });
        const logits = out['logits']!;
        const [, S, V] = logits.dims as [number, number, number];
        const data = logits.data as Float32Array;
        ids = batch.map((_, b) => {
          let best = 0;
          const off = (b * S + S - 1) * V;
          for (let v = 1; v < V; v++) if (data[off + v]! > data[off + best]!) best = v;
          if (best === s.eos) done[b] = true;
          return best;
        });
        past = {};
        for (const [k, v] of Object.entries(out)) if (k.startsWith('present')) past[k.replace('present', 'past_key_values')] = v as ort.Tensor;
        last = last.map((x) => x + 1);
        pos = [...last];
        for (const m of maskRows) m.push(1);
      }
    }
  };
  return { score, generate };
}

/** transformers.js one item at a time: a forward pass per (prompt, candidate) and pipeline('text-generation') per prompt. */
export async function naiveSides(modelsDir: string, name: string, maxNew: number, device: 'cpu' | 'cuda', threads?: number) {
  env.allowRemoteModels = false;
  env.localModelPath = modelsDir + '/';
  // Without `threads`, onnxruntime's own thread defaults (as bench/runner.bench.ts has always measured).
  const session_options = threads === undefined ? undefined : { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const loadOptions = { local_files_only: true, subfolder: '', model_file_name: 'model', dtype: 'fp32', device, ...(session_options ? { session_options } : {}) } as const;
  const generator = await pipeline('text-generation', name, loadOptions);
  const tok = await AutoTokenizer.from_pretrained(name, { local_files_only: true });
  const model = await AutoModelForCausalLM.from_pretrained(name, loadOptions);
  const generate = async (prompts: readonly string[]): Promise<void> => {
    for (const p of prompts) await generator(p, { max_new_tokens: maxNew, do_sample: false, return_full_text: false });
  };
  const score = async (requests: readonly ScoreRequest[]): Promise<void> => {
    for (const r of requests) {
      const context = tok.encode(r.prompt).length;
      const inputs = tok(r.prompt + r.continuation);
      const ids = Array.from(inputs.input_ids.data as BigInt64Array, Number);
      const { logits } = (await model(inputs)) as { logits: { data: Float32Array; dims: number[] } };
      const V = logits.dims[2]!;
      let lp = 0;
      for (let p = context - 1; p < ids.length - 1; p++) {
        const row = logits.data.subarray(p * V, (p + 1) * V);
        let max = -Infinity;
        for (const x of row) if (x > max) max = x;
        let sum = 0;
        for (const x of row) sum += Math.exp(x - max);
        lp += row[ids[p + 1]!]! - max - Math.log(sum);
      }
      if (!Number.isFinite(lp)) throw new Error('baseline produced a non-finite log-probability');
    }
  };
  const dispose = async (): Promise<void> => {
    await generator.dispose();
    await model.dispose();
  };
  return { score, generate, dispose };
}
