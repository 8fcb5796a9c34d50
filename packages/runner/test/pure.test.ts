// The pure rules: cache keys, option defaults, candidate answers and the --limit slice.
import { describe, expect, it } from 'vitest';
import { CpiError } from '@cpi-bench/schemas';
import { candidatesOf, continuationOf, predictionKey, resolveRunOptions, sliceItems } from '../src/index.ts';
import { makeItems } from './fixtures/checkpoints.ts';

const BASE = {
  modelHash: 'a'.repeat(64),
  tokenizerHash: 'b'.repeat(64),
  itemId: 'x',
  itemHash: 'c'.repeat(64),
  request: { mode: 'score', prompt: 'Question: Q?\nAnswer:', addSpecialTokens: true, continuations: [' A', ' B'] },
} as const;

describe('predictionKey', () => {
  it('changes with every part of the request that changes the output', () => {
    const key = predictionKey(BASE);
    expect(predictionKey({ ...BASE, request: { ...BASE.request } })).toBe(key);
    for (const change of [
      { modelHash: 'd'.repeat(64) },
      { tokenizerHash: 'd'.repeat(64) },
      { itemId: 'y' },
      { itemHash: 'd'.repeat(64) },
      // an edited template under the same id renders another prompt
      { request: { ...BASE.request, prompt: 'Q: Q?\nA:' } },
      // an edited continuation rule scores other text
      { request: { ...BASE.request, continuations: ['A', 'B'] } },
      // a chat template's prompt is encoded without adding special tokens again
      { request: { ...BASE.request, addSpecialTokens: false } },
      { request: { mode: 'generate' as const, prompt: BASE.request.prompt, addSpecialTokens: true, maxNewTokens: 16, stop: ['\n'] } },
      { request: { mode: 'generate' as const, prompt: BASE.request.prompt, addSpecialTokens: true, maxNewTokens: 8, stop: ['\n'] } },
    ]) {
      expect(predictionKey({ ...BASE, ...change })).not.toBe(key);
    }
  });
});

describe('resolveRunOptions', () => {
  it('fills the documented defaults', () => {
    const o = resolveRunOptions({ checkpoints: 'c', dataset: 'd', out: 'o' });
    expect(o).toMatchObject({ mode: 'both', template: 'plain', device: 'auto', batchSize: 8, maxNewTokens: 16, stop: ['\n'], resume: true });
  });

  it.each([{ batchSize: 0 }, { threads: 1.5 }, { limit: -1 }, { mode: 'guess' as 'score' }, { device: 'tpu' as 'cpu' }])('rejects %o', (bad) => {
    expect(() => resolveRunOptions({ checkpoints: 'c', dataset: 'd', out: 'o', ...bad })).toThrow(CpiError);
  });
});

describe('candidates', () => {
  it('scores the context answer, the parametric answer, then aliases; continuations start with a space', () => {
    const [conflict, , closed] = makeItems(3);
    expect(candidatesOf(conflict!).map((c) => `${c.role}:${c.text}:${c.isAlias}`)).toEqual([
      'context:Lyon:false',
      'parametric:Paris:false',
      'context:Lyon City:true',
    ]);
    expect(candidatesOf(closed!).map((c) => c.role)).toEqual(['parametric']);
    expect(continuationOf('Paris')).toBe(' Paris');
  });
});

describe('sliceItems', () => {
  it('takes the limit round-robin across splits, deterministically', () => {
    const items = makeItems(18);
    const slice = sliceItems(items, 6);
    expect(slice).toHaveLength(6);
    expect(new Set(slice.map((i) => i.split))).toEqual(new Set(['conflict', 'aligned', 'closed_book']));
    expect(sliceItems(items, 6)).toEqual(slice);
    expect(sliceItems(items, undefined)).toHaveLength(18);
  });
});

describe('checkpoint layouts and the prompt/answer boundary (pure rules)', async () => {
  const { externalDataNames, graphFilesFor, describeSeries } = await import('../src/checkpoints.ts');
  const { joinBoundary, continuationTokens, TAIL_CHARS } = await import('../src/backend/boundary.ts');

  it('finds external data in one file or in transformers.js chunks, and nothing of another graph', () => {
    const names = ['model.onnx', 'model.onnx_data_1', 'model.onnx_data', 'model.onnx_data_10', 'model.onnx_data_2', 'model_fp16.onnx_data', 'model.onnx.data'];
    expect(externalDataNames('model.onnx', names).filter((n) => n !== 'model.onnx.data')).toEqual(['model.onnx_data', 'model.onnx_data_1', 'model.onnx_data_2', 'model.onnx_data_10']);
    expect(externalDataNames('model.onnx', names)).toContain('model.onnx.data');
    expect(externalDataNames('model_fp16.onnx', names)).toEqual(['model_fp16.onnx_data']);
  });

  it("maps --dtype to transformers.js's file names", () => {
    expect(graphFilesFor('q8')).toEqual(['decoder_model_merged_quantized.onnx', 'model_quantized.onnx', 'onnx/decoder_model_merged_quantized.onnx', 'onnx/model_quantized.onnx']);
    expect(graphFilesFor('fp16').slice(-4)).toEqual(graphFilesFor('fp32'));
    expect(graphFilesFor('auto')).toContain('onnx/model_q4f16.onnx');
  });

  it('joins an answer after a line break directly, and after anything else with its space', () => {
    expect(joinBoundary('<|im_start|>assistant\n', ' Paris')).toEqual({ prompt: '<|im_start|>assistant\n', continuation: 'Paris' });
    expect(joinBoundary('Answer:', ' Paris')).toEqual({ prompt: 'Answer:', continuation: ' Paris' });
    expect(joinBoundary('Answer: ', 'Paris')).toEqual({ prompt: 'Answer:', continuation: ' Paris' });
  });

  it('takes a long prompt through its tail only when the tail tokenises as the whole prompt does', () => {
    const words = (t: string): number[] => t.split(/(?=\s)/).map((w) => w.length * 100 + w.charCodeAt(w.length - 1));
    const prompt = 'word '.repeat(TAIL_CHARS);
    const calls: string[] = [];
    const whole = (t: string): number[] => (calls.push('whole'), words(t));
    const part = (t: string): number[] => (calls.push('part'), words(t));
    expect(continuationTokens(prompt, ' answer', words(prompt), whole, part)).toEqual(words(' answer'));
    expect(calls).toEqual(['part', 'part']);
    // A tail that tokenises differently from the prompt's end: the whole text is encoded instead.
    calls.length = 0;
    expect(continuationTokens(prompt, ' answer', [1, 2, 3], whole, part)).toEqual(words(prompt + ' answer').slice(3));
    expect(calls).toEqual(['part', 'whole']);
  });

  it('prints the discovered series, one line per checkpoint', () => {
    const text = describeSeries([
      { step: 1, path: '/x/checkpoint-1', graphFile: 'model.onnx', externalData: [], genai: false },
      { step: 20, path: '/x', graphFile: 'model.onnx', externalData: ['model.onnx.data'], genai: true },
    ]);
    expect(text.split('\n')).toHaveLength(4);
    expect(text).toContain('genai_config.json -> model.onnx + model.onnx.data');
  });
});
