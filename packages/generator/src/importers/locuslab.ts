// Importers for the paper's own files (locuslab/context-parametric-inversion, commit 6f98984):
// world_facts.json (313), country_capitals_only.json (196) and famous_biographies.jsonl (555, whose key is
// parametric_answer rather than memory_answer). They map to ConflictItems unchanged in substance; known
// defects are left for the audit to report, except multi-answer strings, which become aliases.
import { CpiError, type ConflictItem } from '@cpi-bench/schemas';
import { lineAt, parseJsonWithLine, valueOffsets } from '../core/json-location.ts';
import { canonicalItem } from '../core/item.ts';
import { slug } from '../core/text.ts';
import { splitMultiAnswer } from './multi-answer.ts';

export const LOCUSLAB_LICENCE = 'unspecified (locuslab/context-parametric-inversion publishes no licence)';

interface RawRecord { context: string; question: string; answer: string; memory: string }

function invalid(file: string, line: number, pointer: string, message: string): CpiError {
  return new CpiError('CPI_IMPORT_INVALID', message, { file, line, pointer, hint: 'is this the unmodified file from the paper repository?' });
}

function readRecord(value: unknown, memoryKey: string, file: string, line: number, pointer: string): RawRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(file, line, pointer, 'must be an object');
  const row = value as Record<string, unknown>;
  const field = (key: string) => {
    const v = row[key];
    if (typeof v !== 'string' || v.trim() === '') throw invalid(file, line, `${pointer}/${key}`, `field "${key}" must be a non-empty string`);
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

function importJsonArray(text: string, file: string, dataset: string, categoryOf: (r: RawRecord) => string): ConflictItem[] {
  const parsed = parseJsonWithLine(text);
  if (!parsed.ok) throw invalid(file, parsed.line, '', `is not valid JSON: ${parsed.message}`);
  if (!Array.isArray(parsed.value)) throw invalid(file, 1, '', 'must be a JSON array of items');
  const offsets = valueOffsets(text, 2);
  return parsed.value.map((value: unknown, index: number) => {
    const line = lineAt(text, offsets.get(`/${index}`) ?? 0);
    const raw = readRecord(value, 'memory_answer', file, line, `/${index}`);
    return toItem(raw, dataset, categoryOf(raw), index, file, line);
  });
}

/** CF_World_Facts: `world_facts.json` -> 313 conflict items (category capital or world_fact). */
export function importWorldFacts(text: string, file = 'locuslab/world_facts.json'): ConflictItem[] {
  return importJsonArray(text, file, 'cf-world-facts', (r) => (/\bcapital\b/i.test(r.question) ? 'capital' : 'world_fact'));
}

/** CF_Capitals: `country_capitals_only.json` -> 196 conflict items. */
export function importCountryCapitals(text: string, file = 'locuslab/country_capitals_only.json'): ConflictItem[] {
  return importJsonArray(text, file, 'cf-capitals', () => 'country_capital');
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
  return items;
}
