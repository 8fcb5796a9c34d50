import { describe, expect, it } from 'vitest';
import { isValid, type ConflictItem } from '@cpi-bench/schemas';
import { answerOffset } from '../src/core/text.ts';
import { auditItems, containsAnswer, generateItems, loadFactBase, relationIds } from '../src/index.ts';

const facts = await loadFactBase();
const OPTIONS = { seed: 7, perRelation: 25 };
const result = generateItems(facts, OPTIONS);
const groups = new Map<string, ConflictItem[]>();
for (const item of result.items) groups.set(item.groupId as string, [...(groups.get(item.groupId as string) ?? []), item]);

describe('generateItems', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(JSON.stringify(generateItems(facts, OPTIONS).items)).toBe(JSON.stringify(result.items));
    expect(JSON.stringify(generateItems(facts, { ...OPTIONS, seed: 8 }).items)).not.toBe(JSON.stringify(result.items));
  });

  it('produces valid items, sorted by id, for every relation and split', () => {
    for (const item of result.items) expect(isValid('conflictItem', item), item.id).toBe(true);
    expect(result.items.map((i) => i.id)).toEqual(result.items.map((i) => i.id).sort());
    expect(new Set(result.items.map((i) => i.category))).toEqual(new Set(relationIds));
    expect(new Set(result.items.map((i) => i.split))).toEqual(new Set(['conflict', 'aligned', 'closed_book', 'unknown_subject']));
  });

  it('makes matched twins: conflict, aligned and closed-book share the fact, question and true answer', () => {
    for (const [groupId, items] of groups) {
      const bySplit = Object.fromEntries(items.map((i) => [i.split, i]));
      const { conflict, aligned, closed_book: closed } = bySplit as Record<string, ConflictItem>;
      expect(conflict && aligned && closed, groupId).toBeTruthy();
      expect(aligned?.question).toBe(conflict?.question);
      expect(closed?.question).toBe(conflict?.question);
      expect(aligned?.parametricAnswer).toBe(conflict?.parametricAnswer);
      expect(aligned?.contextAnswer).toBe(conflict?.parametricAnswer);
      expect(aligned?.templateId).toBe(conflict?.templateId);
      expect(closed?.context).toBeUndefined();
      expect(conflict?.contextAnswer).not.toBe(conflict?.parametricAnswer);
    }
  });

  it('states the substitute in the conflict context and keeps the true answer out unless flagged', () => {
    for (const item of result.items.filter((i) => i.split === 'conflict')) {
      expect(containsAnswer(item.context as string, item.contextAnswer as string), item.id).toBe(true);
      const mentions = (item.flags ?? []).includes('mentions_parametric');
      expect(containsAnswer(item.context as string, item.parametricAnswer as string), item.id).toBe(mentions);
      expect(item.substitution?.strategy).toMatch(/^(same-type-swap|popularity-matched|fabricated-entity|numeric-perturbation)$/);
    }
    expect(result.items.some((i) => (i.flags ?? []).includes('mentions_parametric'))).toBe(true);
    expect(result.items.some((i) => (i.flags ?? []).includes('distractors'))).toBe(true);
  });

  it('records where the answer sits, and uses all three positions', () => {
    const buckets = new Set<string>();
    for (const item of result.items.filter((i) => i.context !== undefined)) {
      const pos = item.answerPosition;
      expect(pos, item.id).toBeDefined();
      const at = Math.round((answerOffset(item.context as string, item.contextAnswer as string) / (item.context as string).length) * 10000) / 10000;
      expect(at).toBeGreaterThanOrEqual(0);
      expect(pos?.charFraction).toBeCloseTo(at, 3);
      buckets.add(pos?.bucket as string);
    }
    expect([...buckets].sort()).toEqual(['end', 'middle', 'start']);
  });

  it('gives unknown-subject items a fabricated subject and no parametric answer', () => {
    const subjects = new Set(facts.map((f) => f.subject));
    const unknown = result.items.filter((i) => i.split === 'unknown_subject');
    expect(unknown.length).toBeGreaterThan(100);
    for (const item of unknown) {
      expect(item.parametricAnswer).toBeUndefined();
      const subject = item.substitution?.params?.['subject'] as string;
      expect(subjects.has(subject), subject).toBe(false);
      expect(item.question).toContain(subject);
      expect(containsAnswer(item.context as string, item.contextAnswer as string)).toBe(true);
    }
  });

  it('comes out of the audit clean: every finding is one flagged on purpose', () => {
    const report = auditItems(result.items.map((item) => ({ item })));
    expect(report.unintended).toBe(0);
    expect(report.checks.find((c) => c.id === 'parametric_in_context')?.intended).toBeGreaterThan(0);
  });

  it('filters relations and strategies, and makes several variants per fact', () => {
    const numeric = generateItems(facts, { seed: 1, strategies: ['numeric-perturbation'], perRelation: 10 });
    expect(new Set(numeric.items.map((i) => i.category))).toEqual(new Set(['element_atomic_number', 'element_year_discovered', 'book_year']));
    const two = generateItems(facts, { seed: 1, relations: ['country_capital'], perRelation: 10, variants: 3 });
    expect(two.items.filter((i) => i.split === 'conflict')).toHaveLength(30);
    expect(new Set(two.items.map((i) => i.id)).size).toBe(two.items.length);
  });

  it('rejects unknown relations and strategies, listing the valid ones', () => {
    expect(() => generateItems(facts, { relations: ['country_capital', 'river_length'] })).toThrowError(
      expect.objectContaining({ code: 'CPI_UNKNOWN_RELATION', message: expect.stringMatching(/river_length[\s\S]*valid relations: .*book_author/) }),
    );
    expect(() => generateItems(facts, { strategies: ['antonym'] })).toThrowError(expect.objectContaining({ code: 'CPI_UNKNOWN_STRATEGY' }));
    expect(() => generateItems(facts, { perRelation: 0 })).toThrowError(expect.objectContaining({ code: 'CPI_INVALID_OPTION' }));
  });
});
