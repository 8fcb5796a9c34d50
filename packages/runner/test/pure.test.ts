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
  request: { mode: 'score', prompt: 'Question: Q?\nAnswer:', continuations: [' A', ' B'] },
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
      { request: { mode: 'generate' as const, prompt: BASE.request.prompt, maxNewTokens: 16, stop: ['\n'] } },
      { request: { mode: 'generate' as const, prompt: BASE.request.prompt, maxNewTokens: 8, stop: ['\n'] } },
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
