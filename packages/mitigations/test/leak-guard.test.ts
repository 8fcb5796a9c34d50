// Counterfactual augmentation must never add an evaluation item: the guard refuses the suite's own items,
// even renamed, and the items it generates itself share nothing with the suite.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '@cpi-bench/generator';
import { buildEvalIndex, leakOf, mitigateFile } from '../src/index.ts';
import { ALPACA, EVAL_SUITE, FACT_BASE_TIMEOUT_MS, tempDir, writeJsonl } from './helpers.ts';

let root: Awaited<ReturnType<typeof tempDir>>;
let input: string;
beforeAll(async () => {
  root = await tempDir();
  input = join(root.dir, 'alpaca.jsonl');
  await writeJsonl(input, Array.from({ length: 90 }, (_, i) => ALPACA[i % ALPACA.length]));
});
afterAll(() => root.cleanup());

describe('counterfactual --source facts', () => {
  it(
    'refuses the evaluation suite\'s own items, with and without new ids, with CPI_MITIGATION_EVAL_LEAK',
    async () => {
      const suiteFile = join(EVAL_SUITE, 'cpi-facts.jsonl');
      const attempt = (items: string) => mitigateFile({ transforms: ['counterfactual'], input, output: join(root.dir, 'leak.jsonl'), params: { source: 'facts', items, evalSuite: EVAL_SUITE } });
      await expect(attempt(suiteFile)).rejects.toMatchObject({ code: 'CPI_MITIGATION_EVAL_LEAK' });
      // The same items under new ids and without their fact ids: caught by question, subject and answers.
      const renamed = join(root.dir, 'renamed.jsonl');
      const lines = (await readFile(suiteFile, 'utf8')).trim().split('\n').slice(0, 200).map((l) => {
        const item = JSON.parse(l) as { id: string; groupId?: string; provenance: Record<string, unknown> };
        delete item.groupId;
        return JSON.stringify({ ...item, id: `fresh:${item.id.length}:${Math.random().toString(36).slice(2)}`, provenance: { source: 'mine' } });
      });
      await writeFile(renamed, lines.join('\n') + '\n');
      await expect(attempt(renamed)).rejects.toMatchObject({ code: 'CPI_MITIGATION_EVAL_LEAK' });
      // A new item on a fact that an imported dataset asks about (cf-capitals has no subjects): caught by the subject.
      const { items } = await readDataset(join(EVAL_SUITE, 'cf-capitals.jsonl'));
      const asked = items.find((i) => i.question?.includes('Afghanistan')) ?? items[0]!;
      expect(asked.question).toContain('Afghanistan');
      const index = buildEvalIndex('suite', items, () => undefined);
      const fresh = { ...asked, id: 'mine:1', question: 'Which city is the seat of government of Afghanistan?', parametricAnswer: 'Kabul', contextAnswer: 'Kandahar', provenance: { source: 'mine' } };
      expect(leakOf(fresh, index, 'Afghanistan')).toMatch(/subject "Afghanistan" is named in a question/);
      expect(leakOf({ ...fresh, question: 'Which city is the seat of government of Freedonia?' }, index, 'Freedonia')).toBeUndefined();
      await expect(readFile(join(root.dir, 'leak.jsonl'))).rejects.toThrow();
    },
    FACT_BASE_TIMEOUT_MS,
  );

  it(
    'generates items from facts the suite does not evaluate, renders them in the data\'s format, and shares nothing with the suite',
    async () => {
      const out = join(root.dir, 'cf.jsonl');
      const report = await mitigateFile({ transforms: ['counterfactual'], input, output: out, seed: 3, params: { source: 'facts', share: 0.1, evalSuite: EVAL_SUITE } });
      expect(report.stats).toMatchObject({ added: 10 });
      const written = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
      expect(written).toHaveLength(100);
      const added = written.filter((r) => !ALPACA.some((a) => JSON.stringify(a) === JSON.stringify(r)));
      expect(added).toHaveLength(10);
      const { items } = await readDataset(EVAL_SUITE);
      const questions = new Set(items.map((i) => i.question));
      const contexts = new Set(items.map((i) => i.context));
      for (const r of added) {
        expect(Object.keys(r)).toEqual(['instruction', 'input', 'output']);
        expect(questions.has(r['instruction'])).toBe(false);
        expect(contexts.has(r['input'])).toBe(false);
        expect(r['input']).toContain(r['output']);
      }
    },
    FACT_BASE_TIMEOUT_MS,
  );
});
