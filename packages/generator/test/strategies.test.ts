import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Faker, base, en } from '@faker-js/faker';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { answersOverlap } from '../src/core/text.ts';
import { PERTURBATION_LEVELS } from '../src/strategies/numeric-perturbation.ts';
import type { SubstitutionContext } from '../src/strategies/types.ts';
import { findRelation, getStrategies, loadFactBase, strategyIds, substitutionStrategies, type Relation } from '../src/index.ts';

async function contextFor(relationId: string, seed = 1): Promise<{ facts: Awaited<ReturnType<typeof loadFactBase>>; make: (factObject: string) => SubstitutionContext }> {
  const all = await loadFactBase();
  const relation = findRelation(relationId) as Relation;
  const facts = all.filter((f) => f.relation === relationId);
  const typePool = [...new Set(all.filter((f) => f.objectType === relation.objectType).map((f) => f.object))].sort();
  const rng = new Rng(seed);
  const faker = new Faker({ locale: [en, base], seed });
  return { facts, make: (object) => ({ rng, faker, relation, relationFacts: facts, typePool, acceptable: (c) => !answersOverlap(c, object) }) };
}

describe('substitution strategies', () => {
  it('registers every strategy file', async () => {
    const dir = fileURLToPath(new URL('../src/strategies/', import.meta.url));
    const files = readdirSync(dir).filter((f) => !['registry.ts', 'types.ts', 'fabricate.ts'].includes(f));
    expect(files.length).toBe(substitutionStrategies.length);
    for (const file of files) {
      const mod = (await import(/* @vite-ignore */ pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
      const strategy = Object.values(mod).find((v) => typeof v === 'object' && v !== null && 'substitute' in v);
      expect(substitutionStrategies, file).toContain(strategy);
    }
  });

  it('rejects unknown ids, listing the valid ones', () => {
    expect(() => getStrategies(['same-type-swap', 'antonym'])).toThrowError(
      expect.objectContaining({ code: 'CPI_UNKNOWN_STRATEGY', message: expect.stringContaining(strategyIds.join(', ')) }),
    );
  });

  it('same-type swap gives another real capital, never the true one or a word-sharing one', async () => {
    const { facts, make } = await contextFor('country_capital');
    const [strategy] = getStrategies(['same-type-swap']);
    const capitals = new Set(facts.map((f) => f.object));
    for (const fact of facts.slice(0, 80)) {
      const s = strategy?.substitute(fact, make(fact.object));
      expect(s).toBeDefined();
      expect(capitals.has(s?.object as string)).toBe(true);
      expect(answersOverlap(s?.object as string, fact.object)).toBe(false);
    }
  });

  it('popularity-matched swap picks substitutes closer in population than a random swap does', async () => {
    const { facts, make } = await contextFor('city_country');
    const [matched, random] = getStrategies(['same-type-swap', 'popularity-matched']).reverse();
    const popularityOfCountry = new Map<string, number[]>();
    for (const f of facts) popularityOfCountry.set(f.object, [...(popularityOfCountry.get(f.object) ?? []), f.popularity ?? 0]);
    let matchedGap = 0;
    let randomGap = 0;
    for (const fact of facts.slice(0, 100)) {
      const m = matched?.substitute(fact, make(fact.object));
      const r = random?.substitute(fact, make(fact.object));
      expect(m?.params['neighbourOf']).toBeTypeOf('string');
      const neighbour = facts.find((f) => f.subject === m?.params['neighbourOf']);
      matchedGap += Math.abs(Math.log((neighbour?.popularity ?? 1) / (fact.popularity ?? 1)));
      const randomPops = popularityOfCountry.get(r?.object as string) ?? [1];
      randomGap += Math.abs(Math.log((randomPops[0] ?? 1) / (fact.popularity ?? 1)));
    }
    expect(matchedGap).toBeLessThan(randomGap / 3);
  });

  it('fabricated entities are not real objects of the type', async () => {
    const { facts, make } = await contextFor('person_nationality');
    const [strategy] = getStrategies(['fabricated-entity']);
    const real = new Set(facts.map((f) => f.object));
    for (const fact of facts.slice(0, 40)) {
      const s = strategy?.substitute(fact, make(fact.object));
      expect(real.has(s?.object as string)).toBe(false);
      expect(s?.params['fabricated']).toBe(true);
    }
  });

  it('numeric perturbation is graded: mild changes are small, absurd ones huge, never zero', async () => {
    const { facts, make } = await contextFor('element_year_discovered');
    const [strategy] = getStrategies(['numeric-perturbation']);
    const seen = new Map<string, number[]>();
    for (const fact of facts) {
      const s = strategy?.substitute(fact, make(fact.object));
      if (!s) continue;
      const delta = Math.abs(Number(s.object) - Number(fact.object));
      expect(delta).toBe(Math.abs(s.params['delta'] as number));
      expect(delta).toBeGreaterThan(0);
      seen.set(s.params['level'] as string, [...(seen.get(s.params['level'] as string) ?? []), delta]);
    }
    for (const spec of PERTURBATION_LEVELS) {
      const deltas = seen.get(spec.level) ?? [];
      expect(deltas.length, spec.level).toBeGreaterThan(0);
      for (const d of deltas) expect(d).toBeGreaterThanOrEqual(spec.year[0]);
      for (const d of deltas) expect(d).toBeLessThanOrEqual(spec.year[1]);
    }
    expect(strategy?.appliesTo(findRelation('country_capital') as Relation, [])).toBe(false);
  });
});
