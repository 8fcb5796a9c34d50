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
      // The conflict_mp variant is a conflict too; the twins pair with the group's own conflict item.
      const bySplit = Object.fromEntries(items.filter((i) => i.variant !== 'conflict_mp').map((i) => [i.split, i]));
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

  it('keeps contexts naming the true answer out of the headline: only as the labelled conflict_mp variant, beside a clean conflict', () => {
    const conflicts = result.items.filter((i) => i.split === 'conflict');
    const variants = conflicts.filter((i) => i.variant === 'conflict_mp');
    expect(variants.length).toBeGreaterThan(0);
    for (const item of conflicts) {
      const names = [item.parametricAnswer as string, ...(item.parametricAliases ?? [])].some((a) => containsAnswer(item.context as string, a));
      expect(names, item.id).toBe(item.variant === 'conflict_mp');
      expect((item.flags ?? []).includes('mentions_parametric'), item.id).toBe(item.variant === 'conflict_mp');
    }
    for (const v of variants) {
      const headline = conflicts.find((i) => i.groupId === v.groupId && i.variant !== 'conflict_mp');
      expect(headline, v.id).toBeDefined();
      expect(v.contextAnswer).toBe(headline?.contextAnswer);
    }
  });

  it('keeps absurd perturbations out of the headline as conflict_absurd, and mild or moderate numbers plausible', () => {
    let absurd = 0;
    for (const item of result.items.filter((i) => i.split === 'conflict' && i.substitution?.strategy === 'numeric-perturbation')) {
      const level = item.substitution?.params?.['level'];
      if (level === 'absurd') {
        absurd++;
        expect(item.variant, item.id).toBeDefined();
        continue;
      }
      const value = Number(item.contextAnswer);
      if (item.category === 'element_atomic_number') expect(value, item.id).toBeLessThanOrEqual(118);
      else {
        expect(value, item.id).toBeGreaterThanOrEqual(1000);
        expect(value, item.id).toBeLessThanOrEqual(2025);
      }
      expect(value).toBeGreaterThan(0);
    }
    expect(absurd).toBeGreaterThan(0);
  });

  it('gives answers their aliases from the sources and the curated seeds', () => {
    const all = generateItems(facts, { seed: 1, relations: ['city_country', 'country_currency', 'person_profession', 'country_capital'] });
    const find = (id: string) => all.items.find((i) => i.id === id);
    expect(find('city_country:istanbul:closed_book')?.parametricAliases).toContain('Turkey');
    expect(find('country_currency:malaysia:closed_book')?.parametricAliases).toContain('Ringgit');
    expect(find('country_capital:eswatini:closed_book')).toMatchObject({ parametricAnswer: 'Mbabane', parametricAliases: ['Lobamba'] });
    expect(find('person_profession:victor-hugo:closed_book')?.parametricAliases).toEqual(expect.arrayContaining(['poet', 'playwright']));
    // A surname is an alias only where it is no word of another person's name (Patrick Henry / Henry David Thoreau).
    const authors = new Map(facts.filter((f) => f.objectType === 'person').map((f) => [f.object, f.objectAliases ?? []]));
    expect(authors.get('Charles Dickens')).toContain('Dickens');
    if (authors.has('Patrick Henry')) expect(authors.get('Patrick Henry')).not.toContain('Henry');
    expect(authors.get('Emily Brontë') ?? []).not.toContain('Brontë');
    // A substitute that has other names carries them as context aliases.
    const turkey = all.items.find((i) => i.split === 'conflict' && i.contextAnswer === 'Türkiye');
    if (turkey) expect(turkey.contextAliases).toContain('Turkey');
    expect(all.items.filter((i) => i.split === 'conflict' && (i.contextAliases?.length ?? 0) > 0).length).toBeGreaterThan(0);
  });

  it('never picks a substitute that is true in reality: it contradicts every value of a multi-valued relation', () => {
    const all = generateItems(facts, { seed: 3, relations: ['person_profession', 'person_nationality', 'country_continent', 'country_currency'] });
    const byFact = new Map(facts.map((f) => [f.id, f]));
    const writers = new Set(['novelist', 'poet', 'playwright', 'writer']);
    for (const item of all.items.filter((i) => i.split === 'conflict')) {
      const fact = byFact.get(item.provenance.factId as string);
      const truth = [fact?.object, ...(fact?.objectAliases ?? []), ...(fact?.otherObjects ?? [])];
      expect(truth, item.id).not.toContain(item.contextAnswer);
      // Neither a narrower term for a writer (Mary Shelley "writer" / "novelist") nor "writer" for a novelist.
      if (item.category === 'person_profession' && truth.includes('writer')) expect(writers.has(item.contextAnswer as string), item.id).toBe(false);
      if (item.category === 'person_profession' && truth.some((t) => writers.has(t as string))) expect(item.contextAnswer, item.id).not.toBe('writer');
    }
    const hugo = all.items.find((i) => i.id === 'person_profession:victor-hugo:conflict');
    expect(['poet', 'playwright', 'novelist', 'writer']).not.toContain(hugo?.contextAnswer);
    const turkey = all.items.find((i) => i.id === 'country_continent:turkiye:conflict');
    expect(['Asia', 'Europe']).not.toContain(turkey?.contextAnswer);
  });

  it('leaves out facts a reference source disputes, and renames answers to their reference name', () => {
    const ids = new Set(facts.map((f) => f.id));
    expect(ids.has('country_capital:palestine')).toBe(false);
    expect(ids.has('country_language:mexico')).toBe(false);
    expect(facts.find((f) => f.id === 'country_language:laos')).toMatchObject({ object: 'Lao', objectAliases: ['Laotian'] });
    expect(facts.find((f) => f.id === 'country_language:laos')?.source).toMatch(/curation\.json/);
    const mayotte = generateItems(facts, { seed: 1, relations: ['country_continent'] }).items.filter((i) => i.context !== undefined);
    for (const item of mayotte) expect(item.context, item.id).not.toMatch(/is a country in/);
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
    expect(two.items.filter((i) => i.split === 'conflict' && i.variant === undefined)).toHaveLength(30);
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
