// Importers for the paper's own files (locuslab/context-parametric-inversion, commit 6f98984):
// world_facts.json (313), country_capitals_only.json (196) and famous_biographies.jsonl (555, whose key is
// parametric_answer rather than memory_answer). They map to ConflictItems unchanged in substance; known
// defects are left for the audit to report, except multi-answer strings, which become aliases.
import { CpiError, type ConflictItem } from '@cpi-bench/schemas';
import { lineCounter, parseJsonWithLine, valueOffsets } from '../core/json-location.ts';
import { canonicalItem } from '../core/item.ts';
import { slug } from '../core/text.ts';
import { splitMultiAnswer } from './multi-answer.ts';

export const LOCUSLAB_LICENCE = 'unspecified (locuslab/context-parametric-inversion publishes no licence)';

interface RawRecord { context: string; question: string; answer: string; memory: string }

function invalid(file: string, line: number, pointer: string, message: string): CpiError {
  return new CpiError('CPI_IMPORT_INVALID', message, { file, line, pointer, hint: 'is this the unmodified file from the paper repository?' });
}

/** Longest answer and longest context or question imported, in characters (the ConflictItem schema's bounds). */
const MAX_ANSWER_CHARS = 10_000;
const MAX_TEXT_CHARS = 1_000_000;

function readRecord(value: unknown, memoryKey: string, file: string, line: number, pointer: string): RawRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(file, line, pointer, 'must be an object');
  const row = value as Record<string, unknown>;
  const field = (key: string) => {
    const v = row[key];
    if (typeof v !== 'string' || v.trim() === '') throw invalid(file, line, `${pointer}/${key}`, `field "${key}" must be a non-empty string`);
    // Bounded before splitMultiAnswer's regexes and the audit see it.
    const max = key === 'context' || key === 'question' ? MAX_TEXT_CHARS : MAX_ANSWER_CHARS;
    if (v.length > max) throw invalid(file, line, `${pointer}/${key}`, `field "${key}" is longer than ${max} characters`);
    return v.trim();
  };
  return { context: field('context'), question: field('question'), answer: field('answer'), memory: field(memoryKey) };
}

function toItem(raw: RawRecord, dataset: string, category: string, index: number, file: string, line: number, groupId?: string): ConflictItem {
  const memory = splitMultiAnswer(raw.memory);
  const fields: ConflictItem = {
    schemaVersion: 1,
    id: `${dataset}:${String(index + 1).padStart(4, '0')}`,
    dataset,
    category,
    split: 'conflict',
    context: raw.context,
    question: raw.question,
    contextAnswer: raw.answer,
    parametricAnswer: memory.answer,
    provenance: { source: file.split('/').pop() ?? file, file, line, index, licence: LOCUSLAB_LICENCE },
  };
  if (groupId !== undefined) fields.groupId = groupId;
  if (memory.aliases.length > 0) fields.parametricAliases = memory.aliases;
  if (memory.multi) fields.flags = ['multi_answer'];
  return canonicalItem(fields);
}

function empty(file: string): CpiError {
  return new CpiError('CPI_IMPORT_EMPTY', 'holds no items', { file, hint: 'is this the unmodified file from the paper repository?' });
}

function readJsonArray(text: string, file: string): { line: number; raw: RawRecord }[] {
  const parsed = parseJsonWithLine(text);
  if (!parsed.ok) {
    throw new CpiError(parsed.code ?? 'CPI_IMPORT_INVALID', `is not valid JSON: ${parsed.message}`, { file, line: parsed.line, hint: 'is this the unmodified file from the paper repository?' });
  }
  if (!Array.isArray(parsed.value)) throw invalid(file, 1, '', 'must be a JSON array of items');
  if (parsed.value.length === 0) throw empty(file);
  const offsets = valueOffsets(text, 2);
  const lineOf = lineCounter(text);
  return parsed.value.map((value: unknown, index: number) => {
    const line = lineOf(offsets.get(`/${index}`) ?? 0);
    return { line, raw: readRecord(value, 'memory_answer', file, line, `/${index}`) };
  });
}

const worldFactCategory = (r: RawRecord) => (/\bcapital\b/i.test(r.question) ? 'capital' : 'world_fact');

/** CF_World_Facts: `world_facts.json` -> 313 conflict items (category capital or world_fact). */
export function importWorldFacts(text: string, file = 'locuslab/world_facts.json'): ConflictItem[] {
  return readJsonArray(text, file).map(({ line, raw }, index) => toItem(raw, 'cf-world-facts', worldFactCategory(raw), index, file, line));
}

/** CF_Capitals: `country_capitals_only.json` -> 196 conflict items. */
export function importCountryCapitals(text: string, file = 'locuslab/country_capitals_only.json'): ConflictItem[] {
  return readJsonArray(text, file).map(({ line, raw }, index) => toItem(raw, 'cf-capitals', 'country_capital', index, file, line));
}

/**
 * Either locuslab JSON array, told apart by content for a file under another name: CF_Capitals asks only
 * for capitals ("What is the capital city of …?"), CF_World_Facts also asks other questions.
 */
export function importLocuslabArray(text: string, file: string): ConflictItem[] {
  const records = readJsonArray(text, file);
  const capitalsOnly = records.every(({ raw }) => /\bcapital city of\b/i.test(raw.question));
  return records.map(({ line, raw }, index) =>
    capitalsOnly ? toItem(raw, 'cf-capitals', 'country_capital', index, file, line) : toItem(raw, 'cf-world-facts', worldFactCategory(raw), index, file, line),
  );
}

const BIO_CATEGORIES: readonly [RegExp, string][] = [
  [/\bscientist\b/i, 'bio_scientist'],
  [/\bartist\b/i, 'bio_artist'],
  [/\bauthor\b/i, 'bio_author'],
  [/\bpolitician\b/i, 'bio_politician'],
];

/** CF_Bio: `famous_biographies.jsonl` (key `parametric_answer`) -> 555 conflict items. */
export function importBiographies(text: string, file = 'locuslab/famous_biographies.jsonl'): ConflictItem[] {
  const items: ConflictItem[] = [];
  const lines = text.split('\n');
  lines.forEach((lineText, i) => {
    if (lineText.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (error) {
      throw invalid(file, i + 1, '', `is not valid JSON: ${(error as Error).message}`);
    }
    const raw = readRecord(value, 'parametric_answer', file, i + 1, '');
    const category = BIO_CATEGORIES.find(([re]) => re.test(raw.question))?.[1] ?? 'bio_person';
    // The file holds several swaps per person and question: they are one group, not duplicates.
    items.push(toItem(raw, 'cf-bio', category, items.length, file, i + 1, `cf-bio:${slug(raw.memory)}:${slug(raw.question).slice(0, 60)}`));
  });
  if (items.length === 0) throw empty(file);
  return items;
}
