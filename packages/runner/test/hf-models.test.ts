// Checkpoints of real architectures built and exported by PyTorch + transformers (tools/hf-fixtures), in
// every layout the runner accepts, against PyTorch's own golden values: prompt ids, stored log-probs and
// greedy tokens. No Python in CI: the graphs and goldens are committed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpointSeries, loadOnnxModel, type LanguageModel } from '../src/index.ts';
import type { GraphDtype } from '../src/checkpoints.ts';

const MODELS = join(import.meta.dirname, 'fixtures', 'hf', 'models');

interface Golden {
  stopIds: number[];
  cases: { prompt: string; continuation: string; promptIds: number[]; continuationIds: number[]; logprob: number; greedyIds: number[] }[];
}

async function open(folder: string, dtype: GraphDtype = 'auto', modes: ('score' | 'generate')[] = ['score', 'generate']): Promise<{ model: LanguageModel; golden: Golden }> {
  const dir = join(MODELS, folder);
  const [cp] = await loadCheckpointSeries(dir, { dtype });
  const model = await loadOnnxModel(cp!.files, { device: 'cpu', modes });
  const golden = JSON.parse(await readFile(join(dir, 'golden.json'), 'utf8')) as Golden;
  return { model, golden };
}

/** Worst |Δ log-prob| against PyTorch, after checking ids and greedy tokens. */
async function check(model: LanguageModel, golden: Golden, greedy = true): Promise<number> {
  let worst = 0;
  const scores = await model.scoreContinuations(
    golden.cases.map((c) => ({ prompt: c.prompt, continuation: c.continuation })),
    { batchSize: 3 },
  );
  golden.cases.forEach((c, i) => {
    expect(model.encode(c.prompt), c.prompt).toEqual(c.promptIds);
    const s = scores[i]!;
    if (!s.ok) throw new Error(`${c.prompt}: ${s.error.code}`);
    expect(s.tokenCount).toBe(c.continuationIds.length);
    worst = Math.max(worst, Math.abs(s.logprob - c.logprob));
  });
  if (greedy) {
    const gens = await model.generate(
      golden.cases.map((c) => c.prompt),
      { maxNewTokens: 8, stop: [], batchSize: 2 },
    );
    gens.forEach((g, i) => {
      if (!g.ok) throw new Error(g.error.code);
      expect(g.tokenIds, golden.cases[i]!.prompt).toEqual(golden.cases[i]!.greedyIds);
    });
  }
  return worst;
}

describe.each([
  ['llama-gqa', 'Llama, grouped-query attention, Optimum with past'],
  ['qwen2', 'Qwen2, Optimum with past'],
  ['phi3', 'Phi-3, Optimum with past, generation_config eos list'],
  ['gpt-neox', 'GPT-NeoX (partial rotary), Optimum with past'],
  ['gpt2', 'GPT-2, Optimum with past'],
  ['llama-nocache', 'Llama, Optimum without cache'],
  ['llama-merged', 'Llama, onnx/decoder_model_merged.onnx (transformers.js hub)'],
  ['llama-genai', 'Llama, onnxruntime-genai builder folder (genai_config.json, model.onnx.data, no position_ids)'],
  ['llama-genai-gqa', 'Llama, genai builder operators: GroupQueryAttention with rotary fused, symbolic KV-head dim'],
])('%s', (folder, what) => {
  it(`${what}: ids, greedy tokens and |Δ log-prob| <= 1e-4 against PyTorch`, async () => {
    const { model, golden } = await open(folder);
    try {
      const worst = await check(model, golden);
      console.log(`${folder}: worst |Δ log-prob| ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(1e-4);
    } finally {
      await model.dispose();
    }
  });
});

describe('transformers.js dtype files chosen by --dtype', () => {
  it.each([
    ['fp32', 'onnx/model.onnx', 1e-4, true],
    ['fp16', 'onnx/model_fp16.onnx', 5e-2, false],
    ['q8', 'onnx/model_quantized.onnx', 0.5, false],
    ['int8', 'onnx/model_int8.onnx', 0.5, false],
    ['uint8', 'onnx/model_uint8.onnx', 0.5, false],
  ] as const)('--dtype %s runs %s', async (dtype, file, tolerance, greedy) => {
    const { model, golden } = await open('llama-tjs-dtypes', dtype);
    try {
      expect(model.graph.file).toBe(file);
      const worst = await check(model, golden, greedy);
      console.log(`${dtype}: worst |Δ log-prob| ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(tolerance);
    } finally {
      await model.dispose();
    }
  });

  it('hashes every chunk of chunked external data (model.onnx_data, model.onnx_data_1)', async () => {
    const [cp] = await loadCheckpointSeries(join(MODELS, 'llama-tjs-dtypes'), { dtype: 'fp32' });
    expect(cp!.manifest.files.map((f) => f.path)).toEqual(expect.arrayContaining(['onnx/model.onnx', 'onnx/model.onnx_data', 'onnx/model.onnx_data_1']));
    expect(cp!.manifest.graph?.externalData).toBe(true);
  });

  it('q4 and the other transformers.js names map to their files', async () => {
    const { graphFilesFor } = await import('../src/checkpoints.ts');
    expect(graphFilesFor('q4')).toContain('onnx/model_q4.onnx');
    expect(graphFilesFor('q4f16')).toContain('onnx/model_q4f16.onnx');
    expect(graphFilesFor('bnb4')).toContain('onnx/model_bnb4.onnx');
    expect(graphFilesFor('q8')).toContain('onnx/model_quantized.onnx');
  });
});

describe('onnxruntime-genai KV caches in other precisions', () => {
  it('runs an fp16 cache (fp32 logits) within fp16 rounding of PyTorch', async () => {
    const { model, golden } = await open('llama-genai-fp16-cache');
    try {
      expect(model.graph.dtype).toBe('fp16');
      // Greedy tokens are not compared: fp16 rounding of the cache flips a near-tie of these random weights.
      const worst = await check(model, golden, false);
      console.log(`genai fp16 cache: worst |Δ log-prob| ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(1e-2);
    } finally {
      await model.dispose();
    }
  });

  it('refuses a bf16 cache with a coded error naming the fix (onnxruntime-node has no bfloat16 tensors)', async () => {
    const [cp] = await loadCheckpointSeries(join(MODELS, 'llama-genai-bf16-cache'));
    await expect(loadOnnxModel(cp!.files, { device: 'cpu' })).rejects.toMatchObject({ code: 'CPI_GRAPH_UNSUPPORTED', message: expect.stringContaining('bfloat16') });
  });
});

describe('a pruned LM head (logits for the last position only)', () => {
  it('refuses score mode with a coded error', async () => {
    const dir = join(MODELS, 'llama-genai-pruned');
    const [cp] = await loadCheckpointSeries(dir);
    await expect(loadOnnxModel(cp!.files, { device: 'cpu', modes: ['score', 'generate'] })).rejects.toMatchObject({ code: 'CPI_GRAPH_LAST_POSITION_ONLY' });
  });

  it('still generates the golden greedy tokens', async () => {
    const { model, golden } = await open('llama-genai-pruned', 'auto', ['generate']);
    try {
      const gens = await model.generate(
        golden.cases.map((c) => c.prompt),
        { maxNewTokens: 8, stop: [], batchSize: 1 },
      );
      gens.forEach((g, i) => expect(g.ok && g.tokenIds).toEqual(golden.cases[i]!.greedyIds));
    } finally {
      await model.dispose();
    }
  });
});
