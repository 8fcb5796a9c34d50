import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toJsonl, type ConflictItem } from '@cpi-bench/schemas';
import { auditFiles, auditItems } from '../src/index.ts';
import { PAPER, tempDir } from './helpers.ts';

function conflict(id: string, fields: Partial<ConflictItem>): ConflictItem {
  return { schemaVersion: 1, id, dataset: 'd', category: 'c', split: 'conflict', question: `Question ${id}?`, context: 'ctx', contextAnswer: 'ctx', parametricAnswer: 'P', provenance: { source: 't' }, ...fields };
}

describe('auditItems', () => {
  it('reports each known defect on a small hand-made set', () => {
    const items = [
      conflict('leak', { question: 'Who painted the Mona Lisa?', context: 'Enrico Fermi painted it. Buonarroti praised Fermi.', contextAnswer: 'Enrico Fermi', parametricAnswer: 'Michelangelo Buonarroti' }),
      conflict('shared', { context: 'The United Kingdom won.', contextAnswer: 'United Kingdom', parametricAnswer: 'United States' }),
      conflict('echo', { context: 'Many believe Paris; in fact Lyon.', contextAnswer: 'Lyon', parametricAnswer: 'Paris' }),
      conflict('echo-flagged', { context: 'Many believe Paris; in fact Nice.', contextAnswer: 'Nice', parametricAnswer: 'Paris', flags: ['mentions_parametric'] }),
      conflict('missing', { context: 'Nothing here.', contextAnswer: 'Lyon' }),
      conflict('multi', { context: 'It moved to Oruro.', contextAnswer: 'Oruro', parametricAnswer: 'La Paz (administrative); Sucre (judicial)' }),
      conflict('dup-a', { context: 'Same text Lyon.', contextAnswer: 'Lyon', question: 'Capital?' }),
      { ...conflict('dup-b', { context: 'Same  text, Lyon.', contextAnswer: 'Lyon', question: 'Capital?' }), dataset: 'other' },
      conflict('near', { context: 'Different text Lyon.', contextAnswer: 'Lyon', question: 'Capital?' }),
    ];
    const report = auditItems(items.map((item) => ({ item })));
    const ids = (check: string) => report.findings.filter((f) => f.check === check).map((f) => f.itemId);
    expect(ids('name_leak')).toEqual(['leak']);
    expect(ids('shared_words')).toEqual(['shared']);
    expect(ids('parametric_in_context')).toEqual(['echo', 'echo-flagged']);
    expect(report.findings.find((f) => f.itemId === 'echo-flagged')?.intended).toBe(true);
    expect(ids('context_answer_missing')).toEqual(['missing']);
    expect(ids('multi_answer')).toEqual(['multi']);
    expect(ids('duplicate')).toEqual(['dup-b']);
    expect(report.checks.find((c) => c.id === 'duplicate')?.crossDataset).toEqual({ 'd <-> other': 1 });
    expect(ids('near_duplicate')).toEqual(['near']);
    expect(report.unintended).toBe(report.findings.length - 1);
  });
});

describe('name_leak', () => {
  it('catches a one-word name used as a proper noun (Vatican), not an ordinary word at a sentence start', () => {
    const items = [
      conflict('vatican', { question: 'What is the smallest country?', context: 'In 2027 the Vatican government chose Castel Gandolfo as its capital.', contextAnswer: 'Castel Gandolfo', parametricAnswer: 'Vatican City' }),
      conflict('titanic', { question: 'Which ship sank in 1912?', context: 'The liner, like the Titanic before it, sank: it was the Lusitania.', contextAnswer: 'Lusitania', parametricAnswer: 'RMS Titanic' }),
      conflict('ordinary', { context: 'Hague is not named here. It was Utrecht.', contextAnswer: 'Utrecht', parametricAnswer: 'The Hague' }),
      conflict('lower', { context: 'A vatican of wine? No: it was Utrecht.', contextAnswer: 'Utrecht', parametricAnswer: 'Vatican City' }),
    ];
    const found = auditItems(items.map((item) => ({ item }))).findings.filter((f) => f.check === 'name_leak').map((f) => f.itemId);
    expect(found).toEqual(['vatican', 'titanic']);
  });
});

describe('pronoun_mismatch', () => {
  it('flags a swapped-in name that keeps the pronouns of the person the biography was about', () => {
    const bio = (id: string, who: string, about: string, p: 'he' | 'she', flags?: ConflictItem['flags']) => conflict(id, {
      context: `${who} was born in Paris. ${p === 'he' ? 'He' : 'She'} studied art; ${p === 'he' ? 'his' : 'her'} teachers praised ${p === 'he' ? 'him' : 'her'}. Later ${p} moved.`,
      contextAnswer: who, parametricAnswer: about, ...(flags ? { flags } : {}),
    });
    const items = [
      bio('woolf-own', 'Auguste Rodin', 'Virginia Woolf', 'she'),
      bio('rodin-own', 'Virginia Woolf', 'Auguste Rodin', 'he'),
      bio('monet-own', 'Rosalind Franklin', 'Claude Monet', 'he'),
      bio('ok', 'Claude Monet', 'Auguste Rodin', 'he'),
      bio('flagged', 'Auguste Rodin', 'Rosalind Franklin', 'she', ['pronoun_mismatch']),
    ];
    const found = auditItems(items.map((item) => ({ item }))).findings.filter((f) => f.check === 'pronoun_mismatch');
    expect(found.map((f) => [f.itemId, f.intended])).toEqual([['woolf-own', false], ['rodin-own', false], ['monet-own', false], ['flagged', true]]);
  });
});

describe('headline_names_parametric', () => {
  it('flags a generated headline conflict that names the true answer, or an alias of it, and a conflict_mp that does not', () => {
    const gen = { source: 'generator' };
    const items = [
      conflict('believed', { context: 'Many people believe that the capital is Paris. In fact, it is Lyon.', contextAnswer: 'Lyon', parametricAnswer: 'Paris', flags: ['mentions_parametric'], provenance: gen }),
      conflict('alias', { context: 'Ankara lies in Turkey, not here.', contextAnswer: 'Ankara', parametricAnswer: 'Türkiye', parametricAliases: ['Turkey'], provenance: gen }),
      conflict('variant-ok', { context: 'Many people believe Paris. In fact, Lyon.', contextAnswer: 'Lyon', parametricAnswer: 'Paris', flags: ['mentions_parametric'], variant: 'conflict_mp', provenance: gen }),
      conflict('variant-empty', { context: 'It is Lyon.', contextAnswer: 'Lyon', parametricAnswer: 'Paris', variant: 'conflict_mp', provenance: gen }),
      conflict('clean', { context: 'It is Lyon.', contextAnswer: 'Lyon', parametricAnswer: 'Paris', provenance: gen }),
      conflict('paper', { context: 'Many believe Paris; in fact Nice.', contextAnswer: 'Nice', parametricAnswer: 'Paris', flags: ['mentions_parametric'] }),
    ];
    const report = auditItems(items.map((item) => ({ item })));
    const found = report.findings.filter((f) => f.check === 'headline_names_parametric');
    expect(found.map((f) => f.itemId)).toEqual(['believed', 'alias', 'variant-empty']);
    expect(found.every((f) => !f.intended)).toBe(true);
  });
});

describe('auditFiles', () => {
  it('audits JSONL files, counting invalid lines rather than failing', async () => {
    const dir = tempDir();
    const file = join(dir, 'x.jsonl');
    writeFileSync(file, toJsonl([conflict('a', { context: 'Lyon.', contextAnswer: 'Lyon' })]) + '{"id": "broken"}\n');
    const result = await auditFiles([dir]);
    expect(result.report.items).toBe(1);
    expect(result.invalidLines).toHaveLength(1);
    expect(result.invalidLines[0]?.line).toBe(2);
    await expect(auditFiles([join(dir, 'nope.jsonl')])).rejects.toMatchObject({ code: 'CPI_FILE_NOT_FOUND' });
  });

  it("imports the paper's raw files on the fly", async () => {
    const result = await auditFiles([join(PAPER.dir, 'locuslab')]);
    expect(result.report.byDataset).toEqual({ 'cf-capitals': 196, 'cf-bio': 555, 'cf-world-facts': 313 });
    expect(result.report.unintended).toBeGreaterThan(400);
  });
});
