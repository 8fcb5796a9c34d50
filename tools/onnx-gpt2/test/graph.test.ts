// Every export variant, run with the real onnxruntime-node and checked against the plain-TS reference.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildGpt2Onnx, referenceForward, roundToHalf, writeCheckpoint, buildByteLevelTokenizer, type Gpt2Config, type Gpt2Weights, type ExportVariant } from '../src/index.ts';
import { emptyPast, floatData, i64, logitsRow, maxAbsDiff, presentToPast, sharpWeights, TINY, withTempDir } from './helpers.ts';

const TOL = 1e-4;
const IDS = [[5, 17, 200, 3, 99, 42, 7], [250, 1, 1, 300, 12, 64, 128]];

async function session(config: Gpt2Config, weights: Gpt2Weights, variant: Partial<ExportVariant>): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(buildGpt2Onnx(config, weights, variant).graph);
}

const positions = (rows: number[][]): number[][] => rows.map((r) => r.map((_, i) => i));
const ones = (rows: number[][]): number[][] => rows.map((r) => r.map(() => 1));

describe('model.onnx without past_key_values', () => {
  it('has only the token inputs and the logits output, and matches the reference', async () => {
    const w = sharpWeights(TINY, 1);
    const s = await session(TINY, w, { withPast: false });
    expect(s.inputNames).toEqual(['input_ids', 'attention_mask', 'position_ids']);
    expect(s.outputNames).toEqual(['logits']);
    const out = await s.run({ input_ids: i64(IDS), attention_mask: i64(ones(IDS)), position_ids: i64(positions(IDS)) });
    expect(out['logits']!.dims).toEqual([2, 7, TINY.vocabSize]);
    expect(maxAbsDiff(floatData(out['logits'] as ort.Tensor), referenceForward(TINY, w, IDS))).toBeLessThan(TOL);
  });
});

describe('model.onnx with past_key_values', () => {
  it('gives the same logits for a full pass and a prefix pass followed by cached single steps', async () => {
    const w = sharpWeights(TINY, 2);
    const s = await session(TINY, w, {});
    const ref = referenceForward(TINY, w, IDS);
    const V = TINY.vocabSize;
    const full = await s.run({ input_ids: i64(IDS), attention_mask: i64(ones(IDS)), position_ids: i64(positions(IDS)), ...emptyPast(TINY, 2) });
    expect(maxAbsDiff(floatData(full['logits'] as ort.Tensor), ref)).toBeLessThan(TOL);
    expect(full['present.1.value']!.dims).toEqual([2, 4, 7, 8]);

    const prefix = IDS.map((r) => r.slice(0, 4));
    let out = await s.run({ input_ids: i64(prefix), attention_mask: i64(ones(prefix)), position_ids: i64(positions(prefix)), ...emptyPast(TINY, 2) });
    for (let t = 4; t < 7; t++) {
      const step = IDS.map((r) => [r[t]!]);
      const mask = IDS.map((r) => r.slice(0, t + 1).map(() => 1));
      out = await s.run({ input_ids: i64(step), attention_mask: i64(mask), position_ids: i64(IDS.map(() => [t])), ...presentToPast(out) });
      expect(out['present.0.key']!.dims).toEqual([2, 4, t + 1, 8]);
      const got = floatData(out['logits'] as ort.Tensor);
      for (let b = 0; b < 2; b++) expect(maxAbsDiff(logitsRow(got, 1, V, b, 0), logitsRow(ref, 7, V, b, t))).toBeLessThan(TOL);
    }
  });

  it('left padding gives the real tokens the same logits as unpadded single runs', async () => {
    const w = sharpWeights(TINY, 3);
    const V = TINY.vocabSize;
    const short = [9, 8, 7];
    const long = [1, 2, 3, 4, 5, 6];
    const padded = [[0, 0, 0, ...short], long];
    const mask = [[0, 0, 0, 1, 1, 1], [1, 1, 1, 1, 1, 1]];
    // transformers' positions for left padding: cumsum(mask) - 1, pads set to 1 (any value works, they are masked).
    const pos = [[1, 1, 1, 0, 1, 2], [0, 1, 2, 3, 4, 5]];
    const refShort = referenceForward(TINY, w, [short]);
    const refLong = referenceForward(TINY, w, [long]);
    for (const positionIds of [true, false]) {
      const s = await session(TINY, w, { positionIds });
      const feeds = { input_ids: i64(padded), attention_mask: i64(mask), ...emptyPast(TINY, 2), ...(positionIds ? { position_ids: i64(pos) } : {}) };
      const got = floatData((await s.run(feeds))['logits'] as ort.Tensor);
      for (let i = 0; i < 3; i++) expect(maxAbsDiff(logitsRow(got, 6, V, 0, 3 + i), logitsRow(refShort, 3, V, 0, i))).toBeLessThan(TOL);
      expect(maxAbsDiff(got.subarray(6 * V), refLong)).toBeLessThan(TOL);
    }
  });
});

describe('model.onnx without position_ids', () => {
  it('derives positions from the attention mask, also on cached steps after left padding', async () => {
    const w = sharpWeights(TINY, 4);
    const V = TINY.vocabSize;
    const s = await session(TINY, w, { positionIds: false });
    expect(s.inputNames).not.toContain('position_ids');
    const seq = [11, 22, 33, 44, 55];
    const ref = referenceForward(TINY, w, [seq]);
    // Two pads on the left, then a prefix pass of 3 real tokens and two cached steps.
    let out = await s.run({ input_ids: i64([[0, 0, ...seq.slice(0, 3)]]), attention_mask: i64([[0, 0, 1, 1, 1]]), ...emptyPast(TINY, 1) });
    for (let t = 3; t < 5; t++) {
      out = await s.run({ input_ids: i64([[seq[t]!]]), attention_mask: i64([[0, 0, ...Array<number>(t + 1).fill(1)]]), ...presentToPast(out) });
      expect(maxAbsDiff(floatData(out['logits'] as ort.Tensor), logitsRow(ref, 5, V, 0, t))).toBeLessThan(TOL);
    }
  });
});

describe('decoder_model_merged.onnx with use_cache_branch', () => {
  const branch = (on: boolean): ort.Tensor => new ort.Tensor('bool', Uint8Array.of(on ? 1 : 0), [1]);

  it('ignores the (dummy) past when the branch is off and uses it when on', async () => {
    const w = sharpWeights(TINY, 5);
    const V = TINY.vocabSize;
    const s = await session(TINY, w, { graphFile: 'decoder_model_merged.onnx', cacheBranch: true });
    expect(s.inputNames).toContain('use_cache_branch');
    const ref = referenceForward(TINY, w, IDS);
    const prefix = IDS.map((r) => r.slice(0, 6));
    // Optimum feeds a dummy past of length 1 on the first step; its garbage values must not leak in.
    for (const dummy of [0, 1]) {
      const first = await s.run({
        input_ids: i64(prefix), attention_mask: i64(ones(prefix)), position_ids: i64(positions(prefix)),
        use_cache_branch: branch(false), ...emptyPast(TINY, 2, 'float32', dummy),
      });
      expect(first['present.0.key']!.dims).toEqual([2, 4, 6, 8]);
      for (let b = 0; b < 2; b++) for (let t = 0; t < 6; t++) expect(maxAbsDiff(logitsRow(floatData(first['logits'] as ort.Tensor), 6, V, b, t), logitsRow(ref, 7, V, b, t))).toBeLessThan(TOL);
      const next = await s.run({
        input_ids: i64(IDS.map((r) => [r[6]!])), attention_mask: i64(ones(IDS)), position_ids: i64([[6], [6]]),
        use_cache_branch: branch(true), ...presentToPast(first),
      });
      for (let b = 0; b < 2; b++) expect(maxAbsDiff(logitsRow(floatData(next['logits'] as ort.Tensor), 1, V, b, 0), logitsRow(ref, 7, V, b, 6))).toBeLessThan(TOL);
    }
  });
});

describe('grouped-query attention', () => {
  const GQA: Gpt2Config = { ...TINY, nHead: 4, nKvHead: 2 };

  it('caches kvH heads and repeats them inside the graph', async () => {
    const w = sharpWeights(GQA, 6);
    const V = GQA.vocabSize;
    const s = await session(GQA, w, {});
    const ref = referenceForward(GQA, w, IDS);
    const prefix = IDS.map((r) => r.slice(0, 5));
    const first = await s.run({ input_ids: i64(prefix), attention_mask: i64(ones(prefix)), position_ids: i64(positions(prefix)), ...emptyPast(GQA, 2) });
    expect(first['present.0.key']!.dims).toEqual([2, 2, 5, 8]);
    const next = await s.run({ input_ids: i64(IDS.map((r) => r.slice(5))), attention_mask: i64(ones(IDS)), position_ids: i64([[5, 6], [5, 6]]), ...presentToPast(first) });
    const got = floatData(next['logits'] as ort.Tensor);
    for (let b = 0; b < 2; b++) for (let t = 0; t < 2; t++) expect(maxAbsDiff(logitsRow(got, 2, V, b, t), logitsRow(ref, 7, V, b, 5 + t))).toBeLessThan(TOL);
    // The reference's GQA is multi-head attention with each kv head's weights copied to the query heads it
    // serves (Hugging Face's repeat_kv order), so the graph above agrees with transformers' GQA, not just with itself.
    const mha = referenceForward({ ...GQA, nKvHead: 4 }, { ...w, layers: w.layers.map((l) => ({ ...l, qkvWeight: widenKv(l.qkvWeight, 32, 16), qkvBias: widenKv(l.qkvBias, 1, 16, 32) })) }, IDS);
    expect(maxAbsDiff(mha, ref)).toBeLessThan(TOL);
  });

  it('writes num_key_value_heads into config.json', async () => {
    await withTempDir(async (dir) => {
      await writeCheckpoint(dir, { config: GQA, weights: sharpWeights(GQA, 7), tokenizer: buildByteLevelTokenizer() });
      const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      expect(config).toMatchObject({ model_type: 'gpt2', n_head: 4, num_key_value_heads: 2 });
    });
  });
});

/** Repeats each kv head's columns of a [rows, D + 2*kvDim] GQA matrix for every query head it serves (H/kvH = 2). */
function widenKv(m: Float32Array, rows: number, kvDim: number, D = 32): Float32Array {
  const hd = 8;
  const inCols = D + 2 * kvDim;
  const outCols = 3 * D;
  const out = new Float32Array(rows * outCols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < D; c++) out[r * outCols + c] = m[r * inCols + c]!;
    for (const part of [0, 1]) {
      for (let head = 0; head < D / hd; head++) {
        const kvHead = Math.floor(head / 2);
        for (let c = 0; c < hd; c++) out[r * outCols + D + part * D + head * hd + c] = m[r * inCols + D + part * kvDim + kvHead * hd + c]!;
      }
    }
  }
  return out;
}

describe('fp16', () => {
  // The graph computes in float32 from float16-stored weights, so the reference runs on the same rounded weights.
  // What remains is rounding the outputs and the cache to float16: half an ulp is 2^-11 relative, i.e. < 4e-3
  // for |logit| < 8 (checked below), plus the cache rounding's effect on later steps; 1e-2 covers both.
  const FP16_TOL = 1e-2;

  it('stores weights, cache and logits in float16 and matches the reference within fp16 rounding', async () => {
    const w = sharpWeights(TINY, 8);
    const rounded: Gpt2Weights = {
      wte: roundToHalf(w.wte), wpe: roundToHalf(w.wpe), lnfGamma: roundToHalf(w.lnfGamma), lnfBeta: roundToHalf(w.lnfBeta),
      layers: w.layers.map((l) => Object.fromEntries(Object.entries(l).map(([k, v]) => [k, roundToHalf(v)])) as unknown as typeof l),
    };
    const model = buildGpt2Onnx(TINY, w, { dtype: 'fp16' });
    const fp32Size = buildGpt2Onnx(TINY, w, {}).graph.length;
    expect(model.graph.length).toBeLessThan(fp32Size * 0.6);
    const s = await ort.InferenceSession.create(model.graph);
    const ref = referenceForward(TINY, rounded, IDS);
    expect(Math.max(...ref.map(Math.abs))).toBeLessThan(8);
    const prefix = IDS.map((r) => r.slice(0, 5));
    const first = await s.run({ input_ids: i64(prefix), attention_mask: i64(ones(prefix)), position_ids: i64(positions(prefix)), ...emptyPast(TINY, 2, 'float16') });
    expect(first['logits']!.type).toBe('float16');
    expect(first['present.0.key']!.type).toBe('float16');
    const next = await s.run({ input_ids: i64(IDS.map((r) => r.slice(5))), attention_mask: i64(ones(IDS)), position_ids: i64([[5, 6], [5, 6]]), ...presentToPast(first) });
    const V = TINY.vocabSize;
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 5; t++) expect(maxAbsDiff(logitsRow(floatData(first['logits'] as ort.Tensor), 5, V, b, t), logitsRow(ref, 7, V, b, t))).toBeLessThan(FP16_TOL);
      for (let t = 0; t < 2; t++) expect(maxAbsDiff(logitsRow(floatData(next['logits'] as ort.Tensor), 2, V, b, t), logitsRow(ref, 7, V, b, 5 + t))).toBeLessThan(FP16_TOL);
    }
  });

  it('marks the checkpoint torch_dtype float16', async () => {
    await withTempDir(async (dir) => {
      await writeCheckpoint(dir, { config: TINY, weights: sharpWeights(TINY, 9), tokenizer: buildByteLevelTokenizer(), variant: { dtype: 'fp16' } });
      expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))).toMatchObject({ torch_dtype: 'float16' });
    });
  });
});

describe('external data', () => {
  it('keeps the weights in <graph>_data beside the graph, and onnxruntime loads them from there', async () => {
    const w = sharpWeights(TINY, 10);
    await withTempDir(async (dir) => {
      await writeCheckpoint(dir, { config: TINY, weights: w, tokenizer: buildByteLevelTokenizer(), variant: { graphFile: 'onnx/model.onnx', externalData: true } });
      expect((await readdir(join(dir, 'onnx'))).sort()).toEqual(['model.onnx', 'model.onnx_data']);
      const graphBytes = (await stat(join(dir, 'onnx/model.onnx'))).size;
      const dataBytes = (await stat(join(dir, 'onnx/model.onnx_data'))).size;
      // Every weight matrix is outside: the graph keeps only structure and tiny constants.
      expect(dataBytes).toBeGreaterThan(w.wte.byteLength + w.layers.reduce((n, l) => n + l.fcWeight.byteLength, 0));
      expect(graphBytes).toBeLessThan(dataBytes / 10);
      const s = await ort.InferenceSession.create(join(dir, 'onnx/model.onnx'));
      const out = await s.run({ input_ids: i64(IDS), attention_mask: i64(ones(IDS)), position_ids: i64(positions(IDS)), ...emptyPast(TINY, 2) });
      expect(maxAbsDiff(floatData(out['logits'] as ort.Tensor), referenceForward(TINY, w, IDS))).toBeLessThan(TOL);
    });
  });
});

describe('writeCheckpoint', () => {
  it('is deterministic: the same inputs give byte-identical files', async () => {
    const args = { config: TINY, weights: sharpWeights(TINY, 11), tokenizer: buildByteLevelTokenizer({ corpus: ['the cat sat on the mat', 'the dog sat'], vocabSize: 270 }), step: 40 };
    await withTempDir(async (dir) => {
      for (const variant of [{}, { externalData: true, dtype: 'fp16' as const }]) {
        await writeCheckpoint(join(dir, 'a'), { ...args, variant });
        await writeCheckpoint(join(dir, 'b'), { ...args, variant });
        const files = (await readdir(join(dir, 'a'), { recursive: true })).sort();
        expect(files).toEqual((await readdir(join(dir, 'b'), { recursive: true })).sort());
        for (const f of files) expect(await readFile(join(dir, 'a', f)).catch(() => null), f).toEqual(await readFile(join(dir, 'b', f)).catch(() => null));
      }
    });
  });

  it('writes the Hugging Face GPT-2 config files', async () => {
    await withTempDir(async (dir) => {
      const tokenizer = buildByteLevelTokenizer();
      await writeCheckpoint(dir, { config: TINY, weights: sharpWeights(TINY, 12), tokenizer, chatTemplate: '{{ messages[0].content }}', step: 7 });
      expect((await readdir(dir)).sort()).toEqual(['config.json', 'generation_config.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
      const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      expect(config).toMatchObject({
        model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: 320, n_positions: 64, n_embd: 32, n_layer: 2, n_head: 4,
        bos_token_id: 256, eos_token_id: 256, use_cache: true, torch_dtype: 'float32', cpi_step: 7,
      });
      expect(config).not.toHaveProperty('num_key_value_heads');
      const tc = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      expect(tc).toMatchObject({ tokenizer_class: 'GPT2Tokenizer', eos_token: '<|endoftext|>', bos_token: '<|endoftext|>', unk_token: '<|endoftext|>', model_max_length: 64, chat_template: '{{ messages[0].content }}' });
    });
  });
});
