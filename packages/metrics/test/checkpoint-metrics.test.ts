import { describe, expect, it } from 'vitest';
import { schemaIssues, type ConflictItem, type PredictionRecord } from '@cpi-bench/schemas';
import { computeCheckpointMetrics } from '../src/index.ts';
import { generationRecord, HASH, makeItems, scoreRecord } from './fixtures/synthetic.ts';

function group(m: ReturnType<typeof computeCheckpointMetrics>[number], q: { scorer: string; split: string; view?: string; category?: string; dataset?: string }) {
  return m.groups.find((g) => g.scorer === q.scorer && g.split === q.split && g.view === (q.view ?? 'all') && g.category === (q.category ?? '*') && g.dataset === (q.dataset ?? '*'));
}

describe('computeCheckpointMetrics', () => {
  const items = makeItems(4, ['a', 'b']);
  const conflict = items.filter((i) => i.split === 'conflict');
  const closed = items.filter((i) => i.split === 'closed_book');
  const say = (it: ConflictItem, which: 'ctx' | 'par' | 'both' | 'none' | 'empty', step = 0): PredictionRecord =>
    generationRecord(it, step, which === 'ctx' ? it.contextAnswer! : which === 'par' ? it.parametricAnswer! : which === 'both' ? `${it.parametricAnswer} or ${it.contextAnswer}` : which === 'none' ? 'No idea.' : '');

  it('gives one schema-valid CheckpointMetrics per step with the rates of each group', () => {
    const records = [
      say(conflict[0]!, 'ctx'), say(conflict[1]!, 'par'), say(conflict[2]!, 'both'), say(conflict[3]!, 'empty'),
      say(closed[0]!, 'par'), say(closed[1]!, 'par'), say(closed[2]!, 'none'), say(closed[3]!, 'par'),
      say(conflict[0]!, 'par', 10),
    ];
    const metrics = computeCheckpointMetrics(items, records, { bootstrapResamples: 100, seed: 3 });
    expect(metrics.map((m) => m.step)).toEqual([0, 10]);
    for (const m of metrics) expect(schemaIssues('checkpointMetrics', m)).toEqual([]);
    const all = group(metrics[0]!, { scorer: 'containment', split: 'conflict' })!;
    expect(all.n).toBe(4);
    expect(all.rates['contextReliance']!.mean).toBe(0.5);
    expect(all.rates['parametricReliance']!.mean).toBe(0.5);
    expect(all.rates['both']!.mean).toBe(0.25);
    expect(all.rates['empty']!.mean).toBe(0.25);
    expect(group(metrics[0]!, { scorer: 'ordered', split: 'conflict' })!.rates['contextReliance']!.mean).toBe(0.25);
    expect(group(metrics[0]!, { scorer: 'containment', split: 'closed_book' })!.rates['closedBookAccuracy']!.mean).toBe(0.75);
    const catA = group(metrics[0]!, { scorer: 'containment', split: 'conflict', category: 'a' })!;
    expect(catA.n).toBe(2);
    expect(group(metrics[0]!, { scorer: 'containment', split: 'conflict', category: 'a', dataset: 'synthetic' })!.n).toBe(2);
    // Known facts: closed-book probes 0, 1 and 3 were answered at the first step.
    const known = group(metrics[0]!, { scorer: 'containment', split: 'conflict', view: 'known_facts' })!;
    expect(known.n).toBe(3);
    expect(group(metrics[1]!, { scorer: 'containment', split: 'conflict' })!.n).toBe(1);
    // The same items under two names (a category of one dataset) get the same interval.
    expect(group(metrics[0]!, { scorer: 'containment', split: 'conflict', category: 'a', dataset: 'synthetic' })!.rates).toEqual(catA.rates);
  });

  it('counts failed records as errors, lets a later record replace an earlier one, and ignores unknown items', () => {
    const failed: PredictionRecord = { ...say(conflict[1]!, 'ctx'), ok: false, error: { code: 'CPI_TOO_LONG', message: 'prompt too long' } };
    delete failed.generation;
    const stray = { ...say(conflict[2]!, 'ctx'), itemId: 'not-an-item' };
    const records = [say(conflict[0]!, 'par'), say(conflict[0]!, 'ctx'), failed, stray];
    const m = computeCheckpointMetrics(items, records, { bootstrapResamples: 0 })[0]!;
    const g = group(m, { scorer: 'containment', split: 'conflict' })!;
    expect(g.n).toBe(1);
    expect(g.errors).toBe(1);
    expect(g.rates['contextReliance']).toEqual({ mean: 1, lo: null, hi: null, n: 1 });
  });

  it('reports mean M_C and AMBIG from score-mode records', () => {
    const records = [scoreRecord(conflict[0]!, 5, Math.log(0.6), Math.log(0.2)), scoreRecord(conflict[1]!, 5, Math.log(0.2), Math.log(0.6)), scoreRecord(conflict[2]!, 5, -1, -1.01)];
    const m = computeCheckpointMetrics(items, records, { bootstrapResamples: 200 })[0]!;
    expect(m.modelHash).toBe(HASH(5));
    const g = group(m, { scorer: 'logprob', split: 'conflict' })!;
    expect(g.meanMC!).toBeCloseTo((0.75 + 0.25 + 1 / (1 + Math.exp(-0.01))) / 3, 10);
    expect(g.rates['ambiguous']!.mean).toBeCloseTo(1 / 3, 10);
    expect(g.rates['meanMC']!.n).toBe(3);
    expect(group(m, { scorer: 'containment', split: 'conflict' })).toBeUndefined();
  });
});
