// The ONNX backend against independent references, on every graph variant the writer emits.
import { join } from 'node:path';
import { encode, tokenId, type ExportVariant } from '@cpi-bench/onnx-gpt2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpointSeries, loadOnnxModel, type LanguageModel, type ScoreRequest } from '../src/index.ts';
import { CONFIG, TOKENIZER, makeCheckpoint, tempDir, type FixtureCheckpoint } from './fixtures/checkpoints.ts';
import { rawGreedy } from './fixtures/raw-ort.ts';
import { referenceContinuation } from './fixtures/reference.ts';

const VARIANTS: Record<string, Partial<ExportVariant> & { nKvHead?: number }> = {
  'model.onnx with past and position_ids': {},
  'no past_key_values': { withPast: false },
  'merged decoder with use_cache_branch': { graphFile: 'decoder_model_merged.onnx', cacheBranch: true },
  'no position_ids': { positionIds: false },
  fp16: { dtype: 'fp16' },
  'external data in onnx/model.onnx': { graphFile: 'onnx/model.onnx', externalData: true },
  'grouped-query attention': { nKvHead: 2 },
};

const PROMPTS = [
  'Context: The capital of France is Lyon.\nQuestion: What is the capital of France?\nAnswer:',
  'Question: What is the capital of Spain?\nAnswer:',
  'The capital of Italy is',
  'Hi',
];
const MAX_NEW = 6;
const EOS = tokenId(TOKENIZER);

let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempDir();
});
afterAll(() => root.cleanup());

async function load(
  name: string,
  variant: Partial<ExportVariant> & { nKvHead?: number },
): Promise<{ model: LanguageModel; fixture: FixtureCheckpoint; graphPath: string }> {
  const { nKvHead, ...exportVariant } = variant;
  const dir = join(root.dir, name.replace(/\W+/g, '-'));
  const fixture = await makeCheckpoint(dir, { seed: 7, variant: exportVariant, ...(nKvHead ? { config: { nKvHead } } : {}) });
  const [cp] = await loadCheckpointSeries(dir);
  const model = await loadOnnxModel(cp!.files, { device: 'cpu' });
  return { model, fixture, graphPath: join(dir, model.graph.file) };
}


describe.each(Object.entries(VARIANTS))('variant: %s', (name, variant) => {
  let model: LanguageModel;
  let fixture: FixtureCheckpoint;
  let graphPath: string;
  beforeAll(async () => {
    ({ model, fixture, graphPath } = await load(name, variant));
  });
  afterAll(() => model.dispose());

  it('reads the graph as declared', () => {
    expect(model.graph.hasPastKeyValues).toBe(variant.withPast !== false);
    expect(model.graph.hasCacheBranch).toBe(variant.cacheBranch === true);
    expect(model.graph.hasPositionIds).toBe(variant.positionIds !== false);
    expect(model.graph.dtype).toBe(variant.dtype ?? 'fp32');
    expect(model.graph.externalData).toBe(variant.externalData === true);
    expect(model.graph.numKeyValueHeads).toBe(variant.nKvHead ?? CONFIG.nHead);
  });

  it('greedy output (KV cache, batched, left-padded) equals a raw onnxruntime loop without cache', async () => {
    const results = await model.generate(PROMPTS, { maxNewTokens: MAX_NEW, stop: [], batchSize: 8 });
    for (const [i, prompt] of PROMPTS.entries()) {
      const expected = await rawGreedy(graphPath, encode(TOKENIZER, prompt), MAX_NEW, EOS);
      const r = results[i]!;
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.tokenIds).toEqual(expected);
    }
  });

  it('continuation log-probabilities match the plain-TypeScript reference forward pass', async () => {
    const requests: ScoreRequest[] = [
      { prompt: PROMPTS[0]!, continuation: ' Lyon' },
      { prompt: PROMPTS[1]!, continuation: ' Madrid' },
      { prompt: PROMPTS[2]!, continuation: ' Rome, of course' },
    ];
    const results = await model.scoreContinuations(requests, { batchSize: 8 });
    // fp16 weights are rounded to half precision, so only the fp32 graphs match the fp32 reference closely.
    const tolerance = variant.dtype === 'fp16' ? 0.05 : 1e-3;
    requests.forEach((r, i) => {
      const res = results[i]!;
      expect(res.ok).toBe(true);
      if (res.ok) {
        expect(res.tokenCount).toBe(encode(TOKENIZER, r.prompt + r.continuation).length - encode(TOKENIZER, r.prompt).length);
        expect(Math.abs(res.logprob - referenceContinuation(fixture, r.prompt, r.continuation).logprob)).toBeLessThan(tolerance);
      }
    });
  });

  it('batch sizes 1 and 8 give the same generations and log-probabilities within 1e-4', async () => {
    const requests = PROMPTS.flatMap((prompt) => [' Lyon', ' Madrid', ' the city of Rome'].map((continuation) => ({ prompt, continuation })));
    const [one, eight] = await Promise.all([model.scoreContinuations(requests, { batchSize: 1 }), model.scoreContinuations(requests, { batchSize: 8 })]);
    one.forEach((a, i) => {
      const b = eight[i]!;
      expect(a.ok && b.ok).toBe(true);
      if (a.ok && b.ok) {
        expect(Math.abs(a.logprob - b.logprob)).toBeLessThan(1e-4);
        expect(a.greedy).toBe(b.greedy);
      }
    });
    const g1 = await model.generate(PROMPTS, { maxNewTokens: MAX_NEW, stop: [], batchSize: 1 });
    const g8 = await model.generate(PROMPTS, { maxNewTokens: MAX_NEW, stop: [], batchSize: 8 });
    expect(g8).toEqual(g1);
  });
});

describe('lm-evaluation-harness token boundary and stops', () => {
  let model: LanguageModel;
  beforeAll(async () => {
    ({ model } = await load('boundary', {}));
  });
  afterAll(() => model.dispose());

  it('moves trailing prompt whitespace into the continuation', async () => {
    const [a, b] = await model.scoreContinuations(
      [
        { prompt: 'Answer: ', continuation: 'Paris' },
        { prompt: 'Answer:', continuation: ' Paris' },
      ],
      { batchSize: 2 },
    );
    expect(a).toEqual(b);
  });

  it('an empty continuation is an item error, not a crash', async () => {
    const [r] = await model.scoreContinuations([{ prompt: 'Answer:', continuation: '' }], { batchSize: 1 });
    expect(r).toMatchObject({ ok: false, error: { code: 'CPI_EMPTY_CONTINUATION' } });
  });

  it('cuts generations at the first stop string and says so', async () => {
    const [free] = await model.generate([PROMPTS[1]!], { maxNewTokens: MAX_NEW, stop: [], batchSize: 1 });
    expect(free?.ok).toBe(true);
    if (!free?.ok || free.text.length < 2) return;
    const stop = free.text.slice(1, 2);
    const [cut] = await model.generate([PROMPTS[1]!], { maxNewTokens: MAX_NEW, stop: [stop], batchSize: 1 });
    expect(cut).toMatchObject({ ok: true, stopReason: 'stop_string' });
    if (cut?.ok) expect(cut.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
  });

  it('a model that emits EOS first gives an empty answer, not an item error', async () => {
    // Final LayerNorm gamma 0 makes every hidden state equal beta; pointing the tied EOS embedding along
    // beta makes EOS the argmax at every position.
    const dir = join(root.dir, 'eos-first');
    await makeCheckpoint(dir, {
      seed: 3,
      weights: (w) => {
        w.lnfGamma.fill(0);
        for (let i = 0; i < CONFIG.nEmbd; i++) {
          w.lnfBeta[i] = i % 2 === 0 ? 1 : -1;
          w.wte[EOS * CONFIG.nEmbd + i] = 50 * (w.lnfBeta[i] ?? 0);
        }
      },
    });
    const [cp] = await loadCheckpointSeries(dir);
    const eosModel = await loadOnnxModel(cp!.files, { device: 'cpu' });
    try {
      const results = await eosModel.generate(PROMPTS, { maxNewTokens: MAX_NEW, stop: [], batchSize: 4 });
      for (const r of results) expect(r).toMatchObject({ ok: true, text: '', stopReason: 'eos' });
    } finally {
      await eosModel.dispose();
    }
  });
});
