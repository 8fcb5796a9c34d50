import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isValid, type ConflictItem, type FinetuneExample } from '@cpi-bench/schemas';
import { applyMitigation, applyMitigationToFile, getMitigation, mitigationTransforms, readFinetuneFile } from '../src/index.ts';

const alpaca = (n: number, withInput: (i: number) => boolean): FinetuneExample[] =>
  Array.from({ length: n }, (_, i) => ({
    schemaVersion: 1 as const, id: `ex${i}`, instruction: `Task ${i}`, input: withInput(i) ? `Some context ${i}` : '', output: `Answer ${i}`,
  }));

const conflict = (i: number): ConflictItem => ({
  schemaVersion: 1, id: `cf-${i}`, dataset: 'cpi', category: 'country_capital', split: 'conflict',
  context: `After a reform, the capital of Country${i} moved to Town${i}.`, question: `What is the capital of Country${i}?`,
  contextAnswer: `Town${i}`, parametricAnswer: `City${i}`, provenance: { source: 'test' },
});

describe('registry', () => {
  it('registers every transform file, with unique ids', async () => {
    const files = (await readdir(new URL('../src/transforms/', import.meta.url))).filter((f) => f.endsWith('.ts'));
    expect(mitigationTransforms).toHaveLength(files.length);
    expect(new Set(mitigationTransforms.map((t) => t.id)).size).toBe(files.length);
  });

  it('an unknown id lists the valid ones', () => {
    expect(() => getMitigation('nope')).toThrow(/valid: counterfactual_augment, context_critical_filter/);
  });
});

describe('counterfactual_augment', () => {
  const items = Array.from({ length: 30 }, (_, i) => conflict(i));

  it('makes the requested share of the output counterfactual, targets the context answer, and is seeded', () => {
    const data = alpaca(90, () => true);
    const a = applyMitigation('counterfactual_augment', data, { share: 0.1 }, { seed: 3, counterfactualItems: items });
    expect(a.examples).toHaveLength(100);
    const added = a.examples.filter((e) => e.meta?.['counterfactual'] === true);
    expect(added).toHaveLength(10);
    for (const e of added) {
      const item = items.find((i) => i.id === e.meta?.['sourceItem']);
      expect(e.output).toBe(item?.contextAnswer);
      expect(e.input).toBe(item?.context);
    }
    expect(a.report.stats['share']).toBeCloseTo(0.1);
    expect(a.examples.every((e) => isValid('finetuneExample', e))).toBe(true);
    const b = applyMitigation('counterfactual_augment', data, { share: 0.1 }, { seed: 3, counterfactualItems: items });
    expect(b.report.output.sha256).toBe(a.report.output.sha256);
    const c = applyMitigation('counterfactual_augment', data, { share: 0.1 }, { seed: 4, counterfactualItems: items });
    expect(c.report.output.sha256).not.toBe(a.report.output.sha256);
  });

  it('refuses a share of 1 and a missing pool with coded errors', () => {
    expect(() => applyMitigation('counterfactual_augment', alpaca(5, () => true), { share: 1 }, { seed: 1, counterfactualItems: items })).toThrow(expect.objectContaining({ code: 'CPI_MITIGATION_PARAMS' }));
    expect(() => applyMitigation('counterfactual_augment', alpaca(50, () => true), { share: 0.1 }, { seed: 1 })).toThrow(expect.objectContaining({ code: 'CPI_MITIGATION_NO_COUNTERFACTUALS' }));
  });
});

describe('context_critical_filter', () => {
  it('drops the given share of context examples with the lowest no-context loss, keeping the rest in order', () => {
    const data = alpaca(12, (i) => i < 8); // 8 with a context
    const losses = new Map(data.slice(0, 8).map((e, i) => [e.id ?? '', [5, 0.1, 3, 0.2, 4, 6, 0.3, 2][i] ?? 0]));
    const out = applyMitigation('context_critical_filter', data, { dropShare: 0.25 }, { seed: 0, noContextLoss: losses });
    expect(out.examples.map((e) => e.id)).toEqual(['ex0', 'ex2', 'ex4', 'ex5', 'ex6', 'ex7', 'ex8', 'ex9', 'ex10', 'ex11']);
    expect(out.report.stats).toMatchObject({ withContext: 8, dropped: 2 });
  });

  it('needs a loss for every context example', () => {
    expect(() => applyMitigation('context_critical_filter', alpaca(3, () => true), {}, { seed: 0, noContextLoss: new Map([['ex0', 1]]) })).toThrow(/2 examples with a context have no loss/);
  });
});

describe('filters', () => {
  it('context_only_filter keeps examples with an input (Alpaca) or an earlier user turn (chat)', () => {
    const chat: FinetuneExample = { schemaVersion: 1, id: 'c', messages: [{ role: 'user', content: 'Doc: x' }, { role: 'user', content: 'Q?' }, { role: 'assistant', content: 'A' }] };
    const out = applyMitigation('context_only_filter', [...alpaca(4, (i) => i % 2 === 0), chat]);
    expect(out.examples.map((e) => e.id)).toEqual(['ex0', 'ex2', 'c']);
  });

  it('fact_overlap_filter drops whole-word mentions only', () => {
    const data: FinetuneExample[] = [
      { schemaVersion: 1, id: 'a', instruction: 'Where is Paris?', output: 'France' },
      { schemaVersion: 1, id: 'b', instruction: 'Spell Parisian.', output: 'P-a-r-i-s-i-a-n' },
      { schemaVersion: 1, id: 'c', instruction: 'Name a city.', output: 'LIMA' },
    ];
    const out = applyMitigation('fact_overlap_filter', data, { entities: ['Paris', 'Lima'] });
    expect(out.examples.map((e) => e.id)).toEqual(['b']);
  });
});

describe('files', () => {
  it('reads a raw Alpaca JSON array, writes the output and a valid report atomically', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cpi-mit-'));
    const input = join(dir, 'alpaca.json');
    await writeFile(input, JSON.stringify([{ instruction: 'a', input: 'ctx', output: 'b' }, { instruction: 'c', input: '', output: 'd' }]));
    const out = join(dir, 'filtered.jsonl');
    await applyMitigationToFile('context_only_filter', input, out);
    expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(await readFile(`${out}.report.json`, 'utf8'));
    expect(isValid('mitigationReport', report)).toBe(true);
    expect(report.input).toMatchObject({ count: 2, path: input });
  });

  it('names the file and the JSON pointer of a bad example', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cpi-mit-'));
    const input = join(dir, 'bad.json');
    await writeFile(input, JSON.stringify([{ instruction: 'a', output: 'b' }, { instruction: 'no output' }]));
    await expect(readFinetuneFile(input)).rejects.toMatchObject({ code: 'CPI_SCHEMA_INVALID', issues: expect.arrayContaining([expect.objectContaining({ file: input, pointer: '/1' })]) });
  });
});
