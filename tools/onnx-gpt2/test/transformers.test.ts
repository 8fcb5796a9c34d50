// transformers.js loads written checkpoints offline, in each layout the runner meets, and its greedy
// generate() yields the same ids as an independent greedy loop over raw onnxruntime-node.
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env, type Tensor as HfTensor } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildByteLevelTokenizer, encode, tokenId, writeCheckpoint, type ExportVariant, type Gpt2Config } from '../src/index.ts';
import { argmax, emptyPast, floatData, i64, presentToPast, sharpWeights, TINY, withTempDir } from './helpers.ts';

const NEW_TOKENS = 12;
const PROMPT = 'Context: The capital of France is Lima.\nQuestion: What is the capital of France?\nAnswer:';

/** Greedy decoding with the KV cache, written against onnxruntime-node directly. */
async function greedy(graphPath: string, config: Gpt2Config, prompt: number[], eos: number, variant: Partial<ExportVariant>): Promise<number[]> {
  const s = await ort.InferenceSession.create(graphPath);
  const ids = [...prompt];
  let past = emptyPast(config, 1, variant.dtype === 'fp16' ? 'float16' : 'float32');
  let input = prompt;
  for (let step = 0; step < NEW_TOKENS; step++) {
    const start = ids.length - input.length;
    const feeds: Record<string, ort.Tensor> = { input_ids: i64([input]), attention_mask: i64([ids.map(() => 1)]), ...past };
    if (variant.positionIds !== false) feeds['position_ids'] = i64([input.map((_, i) => start + i)]);
    if (variant.cacheBranch) feeds['use_cache_branch'] = new ort.Tensor('bool', Uint8Array.of(step > 0 ? 1 : 0), [1]);
    const out = await s.run(feeds);
    const logits = floatData(out['logits'] as ort.Tensor);
    const next = argmax(logits.subarray((input.length - 1) * config.vocabSize));
    ids.push(next);
    if (next === eos) break;
    past = presentToPast(out);
    input = [next];
  }
  return ids;
}

const LAYOUTS: [string, Partial<ExportVariant>, Record<string, unknown>][] = [
  ['model.onnx at the root', {}, { subfolder: '', model_file_name: 'model' }],
  ['onnx/model.onnx (transformers.js default) without position_ids', { graphFile: 'onnx/model.onnx', positionIds: false }, {}],
  ['decoder_model_merged.onnx with use_cache_branch', { graphFile: 'decoder_model_merged.onnx', cacheBranch: true }, { subfolder: '', model_file_name: 'decoder_model_merged' }],
  ['grouped-query attention', {}, { subfolder: '', model_file_name: 'model' }],
  ['fp16', { dtype: 'fp16' }, { subfolder: '', model_file_name: 'model' }],
  ['external data', { graphFile: 'onnx/model.onnx', externalData: true }, {}],
];

describe('transformers.js loads the checkpoint offline and generates like raw onnxruntime', () => {
  it.each(LAYOUTS)('%s', async (name, variant, loadOptions) => {
    const config: Gpt2Config = name === 'grouped-query attention' ? { ...TINY, nKvHead: 2 } : TINY;
    const tokenizer = buildByteLevelTokenizer({ corpus: [PROMPT, 'The capital of Japan is Tokyo.'], vocabSize: 300 });
    await withTempDir(async (dir) => {
      const graphFile = variant.graphFile ?? 'model.onnx';
      await writeCheckpoint(join(dir, 'ckpt'), { config, weights: sharpWeights(config, 21), tokenizer, variant });
      env.allowRemoteModels = false;
      env.localModelPath = dir;
      const hfTokenizer = await AutoTokenizer.from_pretrained('ckpt');
      const model = await AutoModelForCausalLM.from_pretrained('ckpt', { dtype: 'fp32', device: 'cpu', ...loadOptions });
      try {
        const inputs = hfTokenizer(PROMPT) as { input_ids: HfTensor; attention_mask: HfTensor };
        const prompt = encode(tokenizer, PROMPT);
        expect(Array.from(inputs.input_ids.data as BigInt64Array, Number)).toEqual(prompt);
        const generated = (await model.generate({ ...inputs, max_new_tokens: NEW_TOKENS, do_sample: false })) as HfTensor;
        const hfIds = Array.from(generated.data as BigInt64Array, Number);
        const expected = await greedy(join(dir, 'ckpt', graphFile), config, prompt, tokenId(tokenizer), variant);
        expect(hfIds).toEqual(expected);
        expect(hfIds.length).toBeGreaterThan(prompt.length);
      } finally {
        await model.dispose();
      }
    });
  });
});

describe('transformers.js batched generation with left padding', () => {
  it('gives each prompt the same greedy continuation as generating it alone', async () => {
    const tokenizer = buildByteLevelTokenizer({ corpus: [PROMPT], vocabSize: 300 });
    await withTempDir(async (dir) => {
      await writeCheckpoint(join(dir, 'ckpt'), { config: TINY, weights: sharpWeights(TINY, 22), tokenizer, variant: { positionIds: false } });
      env.allowRemoteModels = false;
      env.localModelPath = dir;
      const hfTokenizer = await AutoTokenizer.from_pretrained('ckpt');
      hfTokenizer.padding_side = 'left'; // pad defaults to <|endoftext|>, as GPT-2 users set it
      const model = await AutoModelForCausalLM.from_pretrained('ckpt', { dtype: 'fp32', device: 'cpu', subfolder: '', model_file_name: 'model' });
      try {
        const prompts = ['Answer:', PROMPT];
        const batch = hfTokenizer(prompts, { padding: true }) as { input_ids: HfTensor; attention_mask: HfTensor };
        const out = (await model.generate({ ...batch, max_new_tokens: NEW_TOKENS, do_sample: false })) as HfTensor;
        const width = out.dims[1]!;
        const rows = Array.from({ length: 2 }, (_, b) => Array.from((out.data as BigInt64Array).subarray(b * width, (b + 1) * width), Number));
        const padded = batch.input_ids.dims[1]!;
        expect(encode(tokenizer, prompts[0]!).length).toBeLessThan(padded); // the first row really is padded
        for (const [b, prompt] of prompts.entries()) {
          const alone = (await model.generate({ ...(hfTokenizer(prompt) as object), max_new_tokens: NEW_TOKENS, do_sample: false })) as HfTensor;
          const aloneIds = Array.from(alone.data as BigInt64Array, Number);
          expect(rows[b]!.slice(padded)).toEqual(aloneIds.slice(encode(tokenizer, prompt).length));
        }
      } finally {
        await model.dispose();
      }
    });
  });
});
