// Bad configs, weights, variants and tokenizers fail early with stable CpiError codes that point at the field.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildByteLevelTokenizer, buildGpt2Onnx, randomGpt2Weights, referenceForward, writeCheckpoint, decode } from '../src/index.ts';
import { TINY, withTempDir } from './helpers.ts';

const code = (c: string, pointer?: string): unknown => expect.objectContaining(pointer ? { code: c, pointer } : { code: c });

describe('input checks', () => {
  it('rejects configs whose heads do not divide', () => {
    expect(() => randomGpt2Weights({ ...TINY, nHead: 5 }, 1)).toThrow(code('CPI_ONNX_GPT2_BAD_CONFIG', '/nEmbd'));
    expect(() => randomGpt2Weights({ ...TINY, nKvHead: 3 }, 1)).toThrow(code('CPI_ONNX_GPT2_BAD_CONFIG', '/nKvHead'));
    expect(() => randomGpt2Weights({ ...TINY, nLayer: 0 }, 1)).toThrow(code('CPI_ONNX_GPT2_BAD_CONFIG', '/nLayer'));
  });

  it('names the weight whose size does not match the config', () => {
    const w = randomGpt2Weights(TINY, 1);
    w.layers[1]!.fcBias = new Float32Array(3);
    expect(() => buildGpt2Onnx(TINY, w)).toThrow(code('CPI_ONNX_GPT2_BAD_WEIGHTS', '/layers/1/fcBias'));
    expect(() => referenceForward(TINY, randomGpt2Weights({ ...TINY, vocabSize: 100 }, 1), [[1]])).toThrow(code('CPI_ONNX_GPT2_BAD_WEIGHTS', '/wte'));
  });

  it('rejects a use_cache_branch without past inputs', () => {
    expect(() => buildGpt2Onnx(TINY, randomGpt2Weights(TINY, 1), { withPast: false, cacheBranch: true })).toThrow(code('CPI_ONNX_GPT2_BAD_VARIANT', '/cacheBranch'));
  });

  it('refuses a tokenizer larger than the embedding, writing nothing', async () => {
    const small = { ...TINY, vocabSize: 256 };
    await withTempDir(async (dir) => {
      await expect(writeCheckpoint(dir + '/c', { config: small, weights: randomGpt2Weights(small, 1), tokenizer: buildByteLevelTokenizer() }))
        .rejects.toThrow(code('CPI_ONNX_GPT2_BAD_CONFIG', '/vocabSize'));
      expect(existsSync(dir + '/c')).toBe(false);
    });
  });

  it('rejects out-of-vocabulary ids', () => {
    expect(() => referenceForward(TINY, randomGpt2Weights(TINY, 1), [[TINY.vocabSize]])).toThrow(code('CPI_ONNX_GPT2_BAD_INPUT'));
    expect(() => decode(buildByteLevelTokenizer(), [999])).toThrow(code('CPI_TOKENIZER_UNKNOWN_ID'));
  });
});
