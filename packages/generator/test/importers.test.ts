import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isValid } from '@cpi-bench/schemas';
import {
  MEMOTRAP_FILES, auditItems, importBiographies, importCountryCapitals, importMemoTrap, importWorldFacts, parsePythonStringList, splitMultiAnswer,
} from '../src/index.ts';
import { PAPER } from './helpers.ts';

const read = (path: string) => readFileSync(join(PAPER.dir, path), 'utf8');

describe('parsePythonStringList', () => {
  it('reads quoted strings with escapes, without eval', () => {
    expect(parsePythonStringList("[' heavy.', ' fonder.']")).toEqual([' heavy.', ' fonder.']);
    expect(parsePythonStringList(`[" don't.", ' proceed.']`)).toEqual([" don't.", ' proceed.']);
    expect(parsePythonStringList(String.raw`['it\'s', "say \"hi\"", 'a\\b', '\x41\u00e9\n']`)).toEqual(["it's", 'say "hi"', 'a\\b', 'Aé\n']);
    expect(parsePythonStringList('[]')).toEqual([]);
    expect(parsePythonStringList("['a', 'b',]")).toEqual(['a', 'b']);
  });

  it('refuses anything that is not a list of strings', () => {
    for (const bad of ["['a' + 'b']", "__import__('os')", "['a'", "['a', 1]", "['unterminated]"]) expect(() => parsePythonStringList(bad), bad).toThrow();
  });
});

describe('splitMultiAnswer', () => {
  it('turns multi-answer capitals into a main answer plus aliases', () => {
    expect(splitMultiAnswer('La Paz (administrative); Sucre (judicial)')).toMatchObject({ answer: 'La Paz', aliases: ['Sucre', 'La Paz (administrative); Sucre (judicial)'], multi: true });
    expect(splitMultiAnswer('Rangoon (Yangon); Naypyidaw or Nay Pyi Taw (administrative)').aliases).toEqual(expect.arrayContaining(['Yangon', 'Naypyidaw', 'Nay Pyi Taw']));
    expect(splitMultiAnswer('Vaiaku village, Funafuti province')).toMatchObject({ answer: 'Vaiaku', multi: true });
    expect(splitMultiAnswer('Washington, D.C.')).toEqual({ answer: 'Washington, D.C.', aliases: [], multi: false });
    expect(splitMultiAnswer('Kitty Hawk, North Carolina').multi).toBe(false);
  });
});

describe("the paper's datasets", () => {
  const worldFacts = importWorldFacts(read('locuslab/world_facts.json'));
  const capitals = importCountryCapitals(read('locuslab/country_capitals_only.json'));
  const bios = importBiographies(read('locuslab/famous_biographies.jsonl'));

  it('imports 313 world facts, 196 capitals and 555 biographies as valid conflict items', () => {
    expect(worldFacts).toHaveLength(313);
    expect(capitals).toHaveLength(196);
    expect(bios).toHaveLength(555);
    for (const item of [...worldFacts, ...capitals, ...bios]) {
      expect(isValid('conflictItem', item), item.id).toBe(true);
      expect(item.split).toBe('conflict');
    }
    // famous_biographies.jsonl keys the true answer as parametric_answer, not memory_answer.
    expect(bios[0]?.parametricAnswer).toBe('Leonardo da Vinci');
    expect(worldFacts[0]).toMatchObject({ contextAnswer: 'Herat', parametricAnswer: 'Kabul', provenance: { line: 2, index: 0 } });
  });

  it("imports MemoTrap's 860 / 843 / 100 / 736 rows with the instructed class as the context answer", () => {
    const counts = Object.keys(MEMOTRAP_FILES).map((f) => importMemoTrap(read(`memotrap/${f}`), `memotrap/${f}`).length);
    expect(counts).toEqual([860, 843, 100, 736]);
    const first = importMemoTrap(read('memotrap/1-proverb-ending.csv'), '1-proverb-ending.csv')[0];
    expect(first).toMatchObject({ category: 'proverb_ending', contextAnswer: 'heavy.', parametricAnswer: 'fonder.', prompt: 'Write a quote that ends in the word "heavy": Absence makes the heart grow' });
    const translation = importMemoTrap(read('memotrap/2-proverb-translation.csv'), '2-proverb-translation.csv');
    const dont = translation.find((i) => i.contextAnswer === "don't." || i.parametricAnswer === "don't.");
    expect(dont).toBeDefined();
    // The line recorded is where the (multi-line) CSV row starts.
    expect(read('memotrap/2-proverb-translation.csv').split('\n')[(dont?.provenance.line ?? 0) - 1]).toMatch(/^"Translate the following/);
  });

  it("finds the paper's known defects", () => {
    const report = auditItems([...worldFacts, ...capitals, ...bios].map((item) => ({ item })));
    const check = (id: string) => report.checks.find((c) => c.id === id);
    // The memory answer inside most world-facts contexts ("widely believed X; however Y"): 273/313 as a verbatim
    // substring (paper.md); 285 with case- and accent-folded whole-word matching ("the blue whale", "Jerusalem*").
    const raw = JSON.parse(read('locuslab/world_facts.json')) as { context: string; memory_answer: string }[];
    expect(raw.filter((r) => r.context.includes(r.memory_answer)).length).toBe(273);
    expect(check('parametric_in_context')?.byDataset['cf-world-facts']).toBe(285);
    // The world-facts / capitals overlap: all 196 capitals items reappear in world facts.
    expect(check('duplicate')?.crossDataset?.['cf-capitals <-> cf-world-facts']).toBe(196);
    // The multi-answer capitals.
    const multi = report.findings.filter((f) => f.check === 'multi_answer' && f.dataset === 'cf-capitals');
    expect(multi).toHaveLength(10);
    const countries = multi.map((f) => capitals.find((c) => c.id === f.itemId)?.question);
    for (const country of ['Bolivia', 'South Africa', 'Myanmar', 'Tuvalu', 'Burundi']) expect(countries.join(' ')).toContain(country);
  });

  it('names file, line and field of a malformed record', () => {
    const text = read('locuslab/world_facts.json').replace('"memory_answer": "Tirana"', '"memory_answer": 7');
    expect(() => importWorldFacts(text, 'world_facts.json')).toThrowError(
      expect.objectContaining({ code: 'CPI_IMPORT_INVALID', file: 'world_facts.json', line: 8, pointer: '/1/memory_answer' }),
    );
    const bioLines = read('locuslab/famous_biographies.jsonl').split('\n');
    bioLines[2] = '{"context": "x", "question": "q", "answer": "a"}';
    expect(() => importBiographies(bioLines.join('\n'), 'bio.jsonl')).toThrowError(expect.objectContaining({ line: 3, pointer: '/parametric_answer' }));
    const csv = read('memotrap/1-proverb-ending.csv').replace("\"[' heavy.', ' fonder.']\"", "\"[' heavy.', fonder]\"");
    expect(() => importMemoTrap(csv, 'm.csv')).toThrowError(expect.objectContaining({ code: 'CPI_IMPORT_INVALID', line: 2, pointer: '/0/classes' }));
  });
});
