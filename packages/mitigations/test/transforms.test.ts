// Each transform on small data: what it keeps, drops or adds, and that it is seeded.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEntityMatcher, buildEntityPool, contextCriticalDrops, createPipeline, exampleHash, getMitigation, mitigateFile, mitigationTransforms,
  loadOpenEntityFinder, planMitigations, substituteEntity, type LossRecord,
} from '../src/index.ts';
import { ALPACA, EVAL_SUITE, FACT_BASE_TIMEOUT_MS, tempDir, writeJsonl } from './helpers.ts';

let root: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => (root = await tempDir()));
afterAll(() => root.cleanup());

describe('registry', () => {
  it('registers every transform file, with unique ids and names', async () => {
    const files = (await readdir(new URL('../src/transforms/', import.meta.url))).filter((f) => f.endsWith('.ts'));
    expect(mitigationTransforms).toHaveLength(files.length);
    expect(new Set(mitigationTransforms.flatMap((t) => [t.id, t.name])).size).toBe(2 * files.length);
  });

  it('an unknown name lists the valid ones', () => {
    expect(() => getMitigation('nope')).toThrow(expect.objectContaining({ code: 'CPI_UNKNOWN_MITIGATION', message: expect.stringContaining('context-only') }));
  });
});

describe('fact-overlap', () => {
  it('matches whole words of proper names, with a minimum length and stop words', () => {
    const m = buildEntityMatcher(['A', 'No', 'Same', 'Paris', 'New York City', 'Nice', '1945', 'writer']);
    expect(m.size).toBe(3);
    expect(m.find('Write a haiku about autumn')).toBeUndefined();
    expect(m.find('Is it the same? No.')).toBeUndefined();
    expect(m.find('Write a nice poem about 1945')).toBeUndefined();
    expect(m.find('Parisian food')).toBeUndefined();
    expect(m.find('A trip to Paris.')).toBe('Paris');
    expect(m.find('I live in New York City now')).toBe('New York City');
    expect(m.find('in Nice, on the coast')).toBe('Nice');
  });

  it(
    'against the default suite: "Write a haiku about autumn" is kept, a question about France is dropped',
    async () => {
      const input = join(root.dir, 'alpaca.jsonl');
      await writeJsonl(input, ALPACA);
      const report = await mitigateFile({ transforms: ['fact-overlap'], input, output: join(root.dir, 'fo.jsonl'), params: { evalSuite: EVAL_SUITE } });
      // Paris/France and Tokyo/Japan are evaluated; the haiku, the tips and the sentiment row are not.
      expect(report.stats).toMatchObject({ kept: 3, dropped: 2 });
      expect(Number(report.stats['entities'])).toBeGreaterThan(500);
    },
    FACT_BASE_TIMEOUT_MS,
  );
});

describe('context-critical', () => {
  const record = (index: number, noContext: number, withContext: boolean): LossRecord => ({
    schemaVersion: 1, index, model: 'm', hash: exampleHash({ instruction: `t${index}`, input: withContext ? 'ctx' : '', output: 'o' }), ok: true,
    withContext: withContext ? { loss: 1, tokens: 2 } : null, withoutContext: { loss: noContext, tokens: 2 },
  });
  const losses = [5, 0.1, 3, 0.2, 4, 6, 0.3, 2].map((l, i) => record(i, l, true)).concat([record(8, 0.01, false), record(9, 0.02, false)]);

  it('drops the given share of the context-bearing examples, lowest no-context loss first', () => {
    const table = new Map(losses.map((r) => [r.index, r]));
    expect([...contextCriticalDrops(table, 0.25)].sort()).toEqual([1, 3]);
    expect(contextCriticalDrops(table, 0).size).toBe(0);
  });

  it('reads the losses file of `npx run losses` and refuses losses of other data', async () => {
    const data = losses.map((r) => ({ instruction: `t${r.index}`, input: r.ok && r.withContext ? "ctx" : "", output: "o" }));
    const input = join(root.dir, 'cc.jsonl');
    const lossFile = join(root.dir, 'cc-losses.jsonl');
    await writeJsonl(input, data);
    await writeJsonl(lossFile, losses);
    const report = await mitigateFile({ transforms: ['context-critical'], input, output: join(root.dir, 'cc-out.jsonl'), params: { drop: 0.25, losses: lossFile } });
    expect(report.stats).toMatchObject({ dropped: 2, kept: 8, scoredWithContext: 8 });
    await writeJsonl(input, data.map((d) => ({ ...d, output: 'changed' })));
    await expect(mitigateFile({ transforms: ['context-critical'], input, output: join(root.dir, 'cc-out2.jsonl'), params: { losses: lossFile } })).rejects.toMatchObject({ code: 'CPI_MITIGATION_LOSSES_MISMATCH' });
    await expect(mitigateFile({ transforms: ['context-critical'], input, output: join(root.dir, 'cc-out3.jsonl') })).rejects.toMatchObject({ code: 'CPI_MITIGATION_NO_LOSSES' });
    await expect(mitigateFile({ transforms: ['context-critical'], input, output: join(root.dir, 'cc-out4.jsonl'), params: { drop: 2, losses: lossFile } })).rejects.toMatchObject({ code: 'CPI_MITIGATION_PARAMS' });
  });
});

describe('counterfactual on the user\'s own data', () => {
  const pool = buildEntityPool([
    { name: 'Paris', type: 'city' }, { name: 'Lima', type: 'city' }, { name: 'Oslo', type: 'city' }, { name: 'Tokyo', type: 'city' },
    { name: 'France', type: 'country' }, { name: 'Peru', type: 'country' }, { name: 'Marie Curie', type: 'person' }, { name: 'Ada Lovelace', type: 'person' },
  ]);

  it('swaps an entity in both the context and the target, everywhere, for one of the same type', () => {
    const record = { instruction: 'Where did the meeting take place?', input: 'The 1900 meeting took place in Paris, France. Paris was busy.', output: 'In Paris.', text: 'Paris' };
    const sub = substituteEntity(record, 'alpaca', pool, () => 0.1);
    expect(sub).toBeDefined();
    expect(['Lima', 'Oslo', 'Tokyo']).toContain(sub!.substitute);
    expect(sub!.record).toEqual({
      instruction: record.instruction, input: `The 1900 meeting took place in ${sub!.substitute}, France. ${sub!.substitute} was busy.`, output: `In ${sub!.substitute}.`, text: sub!.substitute,
    });
    // An entity only in the context, or only in the target, is no counterfactual.
    expect(substituteEntity({ instruction: 'x', input: 'Paris is big.', output: 'Yes.' }, 'alpaca', pool, () => 0.1)).toBeUndefined();
    expect(substituteEntity({ instruction: 'x', input: '', output: 'Paris' }, 'alpaca', pool, () => 0.1)).toBeUndefined();
  });

  it('finds people and places the fact base does not list with compromise, and swaps them for same-type ones', async () => {
    const findOpenEntities = await loadOpenEntityFinder();
    const record = { instruction: 'Who signed the letter?', input: 'The letter from the mill was signed by John Smith on a Monday.', output: 'It was signed by John Smith.' };
    const sub = substituteEntity(record, 'alpaca', pool, () => 0.7, findOpenEntities);
    expect(sub).toMatchObject({ entity: 'John Smith', type: 'person' });
    expect(['Marie Curie', 'Ada Lovelace']).toContain(sub!.substitute);
    expect(sub!.record['output']).toBe(`It was signed by ${sub!.substitute}.`);
    expect(substituteEntity(record, 'alpaca', pool, () => 0.7)).toBeUndefined();
  });

  it('works on chat data, adds at most the share, and is seeded', () => {
    const examples = Array.from({ length: 40 }, (_, i) => ({
      record: { messages: [{ role: 'user', content: `Context: Marie Curie worked in Paris in year ${i}.\nQuestion: Who worked there?` }, { role: 'assistant', content: 'Marie Curie.' }] },
      index: i,
    }));
    const run = (seed: number) => {
      const pipeline = createPipeline(planMitigations(['counterfactual'], { share: 0.1 }), { seed, format: 'chat', inputCount: 40, entityPool: pool });
      return { out: examples.flatMap((e) => pipeline.process(e)), stats: pipeline.stats()[0]!.stats };
    };
    const a = run(1);
    expect(a.out).toHaveLength(44);
    expect(a.stats).toMatchObject({ added: 4 });
    const added = a.out.filter((e) => e.index === -1).map((e) => JSON.stringify(e.record));
    for (const text of added) expect(text).not.toContain('Marie Curie');
    expect(added[0]).toContain('Ada Lovelace');
    expect(JSON.stringify(run(1).out)).toBe(JSON.stringify(a.out));
  });
});
