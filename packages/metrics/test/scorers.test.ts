import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isValid, type ConflictItem } from '@cpi-bench/schemas';
import { getScorer, normalizeText, prepareItem, scorers, type Label } from '../src/index.ts';
import { generationRecord, scoreRecord } from './fixtures/synthetic.ts';

function item(contextAnswer: string, parametricAnswer: string, extra: Partial<ConflictItem> = {}): ConflictItem {
  const it: ConflictItem = {
    schemaVersion: 1, id: 'q-1', dataset: 'd', category: 'c', split: 'conflict', context: 'ctx', question: 'q?',
    contextAnswer, parametricAnswer, provenance: { source: 'test' }, ...extra,
  };
  expect(isValid('conflictItem', it)).toBe(true);
  return it;
}

function judge(scorerId: string, it: ConflictItem, text: string): { label: Label; ctx: boolean; par: boolean } {
  const record = generationRecord(it, 0, text);
  const v = getScorer(scorerId).score({ prepared: prepareItem(it), record, normalizedText: normalizeText(text), paddedText: ` ${normalizeText(text)} ` }, {});
  if (!v) throw new Error('no verdict');
  return { label: v.label, ctx: v.ctx, par: v.par };
}

// Hand-labelled outputs: [context answer, parametric answer, output, containment label, ordered label].
const CASES: [string, string, string, Label, Label, string][] = [
  ['United States', 'United Kingdom', 'The United Kingdom.', 'PAR', 'PAR', 'shared first word does not count for the other answer'],
  ['United States', 'United Kingdom', 'the united states of america', 'CTX', 'CTX', 'case and a longer phrase'],
  ['United States', 'United Kingdom', 'Not the United Kingdom but the United States', 'BOTH', 'PAR', 'both named: containment double-counts, ordered takes the first'],
  ['São Paulo', 'Brasília', 'It is Sao Paulo.', 'CTX', 'CTX', 'accents stripped in the answer'],
  ['Zürich', 'Bern', 'ZURICH!', 'CTX', 'CTX', 'accents and case'],
  ['Bern', 'Zürich', 'I would say Zürich, though the passage says otherwise.', 'PAR', 'PAR', 'accented output'],
  ['Lyon', 'Paris', 'The capital city is now Lyon, as of the 2031 reform.', 'CTX', 'CTX', 'answer inside a longer sentence'],
  ['Paris', 'Lyon', 'Parisian cafés are famous.', 'OTHER', 'OTHER', 'a word that merely starts with the answer'],
  ['The Hague', 'Amsterdam', 'hague', 'CTX', 'CTX', 'leading article dropped'],
  ['Lyon', 'Paris', '', 'EMPTY', 'EMPTY', 'empty output'],
  ['Lyon', 'Paris', '   \n ', 'EMPTY', 'EMPTY', 'whitespace only'],
  ['Lyon', 'Paris', "I'm sorry, but I can't answer that question.", 'OTHER', 'OTHER', 'a refusal'],
  ['Johannes Kepler', 'Homer', 'Kepler wrote it.', 'OTHER', 'CTX', 'a surname: containment needs the full name, ordered a distinctive word'],
];

describe('text scorers on hand-labelled outputs', () => {
  for (const [ctx, par, text, containment, ordered, why] of CASES) {
    it(`${why}: ${JSON.stringify(text)}`, () => {
      expect(judge('containment', item(ctx, par), text).label).toBe(containment);
      expect(judge('ordered', item(ctx, par), text).label).toBe(ordered);
    });
  }

  it('counts context and parametric hits independently in containment', () => {
    expect(judge('containment', item('Lyon', 'Paris'), 'Paris or Lyon')).toEqual({ label: 'BOTH', ctx: true, par: true });
  });

  it('matches aliases on either side', () => {
    const it1 = item('NYC', 'Washington', { contextAliases: ['New York City', 'New York'], parametricAliases: ['Washington, D.C.'] });
    expect(judge('containment', it1, 'new york, obviously').label).toBe('CTX');
    expect(judge('ordered', it1, 'Washington D.C. of course').label).toBe('PAR');
  });

  it('lets an answer contained in the other win only when the other is absent', () => {
    const it1 = item('Paris', 'Paris, Texas');
    expect(judge('ordered', it1, 'Paris').label).toBe('CTX');
    expect(judge('ordered', it1, 'Paris, Texas').label).toBe('PAR');
  });
});

describe('logprob scorers', () => {
  const it1 = item('Lyon', 'Paris');
  const score = (id: string, lc: number, lp: number, margin?: number) =>
    getScorer(id).score({ prepared: prepareItem(it1), record: scoreRecord(it1, 0, lc, lp), normalizedText: '', paddedText: '  ' }, margin === undefined ? {} : { logprobMargin: margin });

  it('computes M_C = p(ctx)/(p(ctx)+p(par)) and labels by the sign of the log-ratio', () => {
    const v = score('logprob', Math.log(0.3), Math.log(0.1))!;
    expect(v.mc).toBeCloseTo(0.75, 12);
    expect(v.label).toBe('CTX');
    expect(score('logprob', -3, -1)!.label).toBe('PAR');
  });

  it('calls a near tie AMBIG within the margin', () => {
    expect(score('logprob', -1.0, -1.05)!.label).toBe('AMBIG');
    expect(score('logprob', -1.0, -1.05, 0.01)!.label).toBe('CTX');
  });

  it('sums the probability of aliases on a side', () => {
    const rec = scoreRecord(it1, 0, Math.log(0.1), Math.log(0.15));
    rec.candidates!.push({ role: 'context', text: ' Lyons', isAlias: true, logprob: Math.log(0.1), tokenCount: 3 });
    const v = getScorer('logprob').score({ prepared: prepareItem(it1), record: rec, normalizedText: '', paddedText: '  ' }, {})!;
    expect(v.mc).toBeCloseTo(0.2 / 0.35, 12);
    expect(v.label).toBe('CTX');
  });

  it('normalises per token in the per-token variant', () => {
    const rec = scoreRecord(it1, 0, -4, -3);
    rec.candidates![0]!.tokenCount = 4; // -1 per token
    rec.candidates![1]!.tokenCount = 1; // -3 per token
    const v = getScorer('logprob-per-token').score({ prepared: prepareItem(it1), record: rec, normalizedText: '', paddedText: '  ' }, {})!;
    expect(v.label).toBe('CTX');
    expect(getScorer('logprob').score({ prepared: prepareItem(it1), record: rec, normalizedText: '', paddedText: '  ' }, {})!.label).toBe('PAR');
  });

  it('judges identical answers (the aligned split) by greedy decoding, not by a ratio', () => {
    const aligned = item('Paris', 'Paris', { split: 'aligned' });
    const rec = scoreRecord(aligned, 0, -2, -2);
    expect(getScorer('logprob').score({ prepared: prepareItem(aligned), record: rec, normalizedText: '', paddedText: '  ' }, {})).toBeNull();
    for (const c of rec.candidates!) c.greedy = true;
    expect(getScorer('logprob').score({ prepared: prepareItem(aligned), record: rec, normalizedText: '', paddedText: '  ' }, {})).toEqual({ label: 'BOTH', ctx: true, par: true, mc: null });
  });

  it('has no verdict without both sides unless greedy decoding is recorded', () => {
    const closed = item('Lyon', 'Paris');
    const rec = scoreRecord(closed, 0, -1, -2);
    rec.candidates = [{ role: 'parametric', text: ' Paris', logprob: -0.5, tokenCount: 1 }];
    expect(getScorer('logprob').score({ prepared: prepareItem(closed), record: rec, normalizedText: '', paddedText: '  ' }, {})).toBeNull();
    rec.candidates[0]!.greedy = true;
    expect(getScorer('logprob').score({ prepared: prepareItem(closed), record: rec, normalizedText: '', paddedText: '  ' }, {})!.label).toBe('PAR');
  });
});

describe('scorer registry', () => {
  it('registers every scorer file', async () => {
    const dir = fileURLToPath(new URL('../src/scorers/', import.meta.url));
    const files = readdirSync(dir).filter((f) => !['types.ts', 'registry.ts', 'prepare.ts'].includes(f));
    for (const f of files) {
      const mod = (await import(/* @vite-ignore */ pathToFileURL(join(dir, f)).href)) as Record<string, unknown>;
      const exported = Object.values(mod).filter((v): v is { id: string } => typeof v === 'object' && v !== null && 'score' in v && 'id' in v);
      expect(exported.length, f).toBeGreaterThan(0);
      for (const s of exported) expect(scorers.map((x) => x.id)).toContain(s.id);
    }
  });

  it('names the valid ids for an unknown scorer', () => {
    expect(() => getScorer('nope')).toThrow(expect.objectContaining({ code: 'CPI_UNKNOWN_SCORER', message: expect.stringContaining('containment') }));
  });
});

describe('option-letter answers (MemoTrap history of science)', () => {
  const mc = item('B', 'A', { context: 'Which was the common wisdom?\nA. The Earth is spherical.\nB. The Earth is flat.\nAnswer:' });
  it.each([
    ['B', 'CTX'], [' B. The Earth is flat.', 'CTX'], ['(A)', 'PAR'], ['A.', 'PAR'],
    ['A flat Earth was the common wisdom.', 'OTHER'], ['It was a flat Earth.', 'OTHER'], ['C', 'OTHER'],
  ] as const)('scores %j by exact match on the option: %s', (text, label) => {
    expect(judge('containment', mc, text).label).toBe(label);
    expect(judge('ordered', mc, text).label).toBe(label);
  });
});

describe('indistinct answers', () => {
  it('leaves a conflict whose answers are equal up to case ("Same." / "same.") out of the rates', async () => {
    const { computeCheckpointMetrics } = await import('../src/index.ts');
    const same = item('Same.', 'same.', { id: 'same-1' });
    const fine = item('Lyon', 'Paris', { id: 'fine-1' });
    const [m] = computeCheckpointMetrics([same, fine], [generationRecord(same, 0, 'same'), generationRecord(fine, 0, 'Lyon')], { bootstrapResamples: 0 });
    const g = m!.groups.find((x) => x.scorer === 'containment' && x.split === 'conflict' && x.dataset === '*' && x.category === '*');
    expect(g?.n).toBe(1);
    expect(g?.rates['contextReliance']?.mean).toBe(1);
  });
});
