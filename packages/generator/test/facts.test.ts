import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isValid } from '@cpi-bench/schemas';
import { SEEDS_DIR } from '../src/io/paths.ts';
import { containsAnswer, loadFactBase, loadSeeds, parseCurationFile, parseSeedFile, relations } from '../src/index.ts';
import { tempDir } from './helpers.ts';

describe('fact base', () => {
  it('holds at least 1,500 valid facts over at least 10 relations, each with source and licence', async () => {
    const facts = await loadFactBase();
    expect(facts.length).toBeGreaterThanOrEqual(1500);
    const byRelation = new Map<string, number>();
    for (const f of facts) byRelation.set(f.relation, (byRelation.get(f.relation) ?? 0) + 1);
    expect(byRelation.size).toBeGreaterThanOrEqual(10);
    for (const r of relations) expect(byRelation.get(r.id) ?? 0, r.id).toBeGreaterThan(40);
    for (const f of facts) {
      expect(isValid('fact', f), f.id).toBe(true);
      expect(f.source.length).toBeGreaterThan(3);
      expect(f.licence.length).toBeGreaterThan(2);
    }
    expect(new Set(facts.map((f) => f.id)).size).toBe(facts.length);
    expect(facts.map((f) => f.id)).toEqual([...facts.map((f) => f.id)].sort());
  });

  it('gives each relation one answer type', async () => {
    const facts = await loadFactBase();
    for (const r of relations) {
      const types = new Set(facts.filter((f) => f.relation === r.id).map((f) => f.objectType));
      expect([...types], r.id).toEqual([r.objectType]);
    }
  });

  it('states real facts from the packages and seeds', async () => {
    const facts = await loadFactBase();
    const find = (relation: string, subject: string) => facts.find((f) => f.relation === relation && f.subject === subject)?.object;
    expect(find('country_capital', 'France')).toBe('Paris');
    expect(find('country_capital', 'Japan')).toBe('Tokyo');
    expect(find('element_symbol', 'Gold')).toBe('Au');
    expect(find('element_atomic_number', 'Oxygen')).toBe('8');
    expect(find('country_currency', 'Japan')).toBe('Yen');
    expect(find('person_known_for', 'Edvard Munch')).toBe('The Scream');
    expect(find('book_author', 'Don Quixote')).toBe('Miguel de Cervantes');
    expect(find('book_year', 'Nineteen Eighty-Four')).toBe('1949');
    expect(find('saying_ending', 'Absence makes the heart grow')).toBe('fonder');
    expect(find('quote_author', 'I think, therefore I am')).toBe('René Descartes');
    expect(find('city_country', 'Incheon')).toBe('South Korea');
    expect(facts.find((f) => f.relation === 'city_country')?.popularity).toBeGreaterThan(0);
  });

  it('leaves out facts whose answer is inside the subject (Mexico / Mexico City)', async () => {
    const facts = await loadFactBase();
    expect(facts.find((f) => f.relation === 'country_capital' && f.subject === 'Mexico')).toBeUndefined();
    for (const f of facts) expect(containsAnswer(f.subject, f.object), f.id).toBe(false);
  });

  it('has at least 150 famous people and 150 proverbs and quotes in the seeds, each with a source', async () => {
    const seeds = await loadSeeds();
    expect(seeds.people.length).toBeGreaterThanOrEqual(150);
    expect(seeds.sayings.length).toBeGreaterThanOrEqual(150);
    for (const p of seeds.people) expect(p.source).toMatch(/^https:\/\/en\.wikipedia\.org\/wiki\//);
    for (const s of seeds.sayings) expect(s.source).toMatch(/^https:\/\/en\.wikiquote\.org\/wiki\//);
  });
});

describe('seed files', () => {
  it('names file, line and field of a bad entry', () => {
    const file = join(SEEDS_DIR, 'people.json');
    const text = readFileSync(file, 'utf8').replace('"profession": "sculptor"', '"profession": ""');
    const line = text.split('\n').findIndex((l) => l.includes('"profession": ""')) + 1;
    let error: unknown;
    try {
      parseSeedFile(text, file, 'people');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'CPI_SEED_INVALID', file, line, pointer: '/people/1/profession' });
  });

  it('reports broken JSON with its line, unknown fields and duplicates', () => {
    expect(() => parseSeedFile('{\n "schemaVersion": 1,\n "books": [\n {"title": }\n]}', 'b.json', 'books')).toThrowError(
      expect.objectContaining({ code: 'CPI_SEED_INVALID', line: 4 }),
    );
    const row = '{"title": "T", "author": "A", "source": "s", "licence": "l"}';
    expect(() => parseSeedFile(`{"schemaVersion": 1, "books": [${row.replace('"s"', '"s", "colour": "red"')}]}`, 'b.json', 'books')).toThrowError(
      expect.objectContaining({ pointer: '/books/0/colour' }),
    );
    expect(() => parseSeedFile(`{"schemaVersion": 1, "books": [${row},\n${row}]}`, 'b.json', 'books')).toThrowError(
      expect.objectContaining({ pointer: '/books/1', line: 2 }),
    );
    expect(() => parseSeedFile(`{"schemaVersion": 1, "books": [${row.replace('"l"}', '"l", "year": "1900"}')}]}`, 'b.json', 'books')).toThrowError(
      expect.objectContaining({ pointer: '/books/0/year' }),
    );
  });

  it('checks curation.json and the multi-valued fields entry by entry, each with its source', async () => {
    const file = join(SEEDS_DIR, 'curation.json');
    const text = readFileSync(file, 'utf8');
    const curation = parseCurationFile(text, file);
    expect(curation.exclude.length).toBeGreaterThan(0);
    for (const e of [...curation.exclude, ...curation.rename, ...curation.aliases]) expect(e.source).toMatch(/^https:\/\//);
    const broken = text.replace(/"source": "[^"]*"/, '"source": ""');
    expect(() => parseCurationFile(broken, file)).toThrowError(expect.objectContaining({ code: 'CPI_SEED_INVALID', file, pointer: '/exclude/0/source', line: 5 }));
    const people = readFileSync(join(SEEDS_DIR, 'people.json'), 'utf8').replace('"otherProfessions": ["sculptor"', '"otherProfessions": [""');
    expect(() => parseSeedFile(people, 'people.json', 'people')).toThrowError(expect.objectContaining({ pointer: expect.stringMatching(/^\/people\/\d+\/otherProfessions$/) }));
    expect((await loadSeeds()).curation?.rename.map((r) => r.to)).toContain('Lao');
  });

  it('fails loading a seed folder with a bad file, naming it', async () => {
    const dir = tempDir();
    for (const name of ['people.json', 'books.json', 'sayings.json']) writeFileSync(join(dir, name), readFileSync(join(SEEDS_DIR, name)));
    writeFileSync(join(dir, 'sayings.json'), readFileSync(join(SEEDS_DIR, 'sayings.json'), 'utf8').replace('"kind": "quote"', '"kind": "poem"'));
    await expect(loadSeeds(dir)).rejects.toMatchObject({ code: 'CPI_SEED_INVALID', file: join(dir, 'sayings.json') });
  });
});
