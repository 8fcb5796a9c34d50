// The curated seed files under datasets/seeds/ (people, books, sayings): parsed and checked field by
// field, so a typo is reported as file:line and JSON pointer rather than as a bad item much later.
import { CpiError } from '@cpi-bench/schemas';
import { lineAt, parseJsonWithLine, valueOffsets } from '../core/json-location.ts';

export interface PersonSeed {
  name: string; nationality: string; profession: string; knownFor: string; source: string; licence: string;
  /** Further true values of the multi-valued relations (Victor Hugo: poet, playwright), accepted as answers and never used as substitutes. */
  otherNationalities?: string[]; otherProfessions?: string[];
}
export interface BookSeed { title: string; author: string; year?: number; source: string; licence: string }
export interface SayingSeed { kind: 'proverb' | 'quote'; text: string; author?: string; source: string; licence: string }

/** A fact of a data package left out because a reference source disputes it (Palestine -> Ramallah). */
export interface ExcludeSeed { relation: string; subject: string; reason: string; source: string }
/** An answer renamed to the name a reference source uses (Laotian -> Lao); the old name stays accepted. */
export interface RenameSeed { relation: string; from: string; to: string; source: string }
/** Other names of an answer (Mark Twain / Samuel Clemens), accepted by the scorers. */
export interface AliasSeed { value: string; aliases: string[]; source: string }

export interface Curation {
  exclude: ExcludeSeed[];
  rename: RenameSeed[];
  aliases: AliasSeed[];
}

export interface Seeds {
  people: PersonSeed[];
  books: BookSeed[];
  sayings: SayingSeed[];
  /** datasets/seeds/curation.json; absent means no curation. */
  curation?: Curation;
}

type FieldSpec = Record<string, 'string' | 'string?' | 'strings' | 'strings?' | 'year?' | readonly string[]>;

const SPECS = {
  people: { name: 'string', nationality: 'string', otherNationalities: 'strings?', profession: 'string', otherProfessions: 'strings?', knownFor: 'string', source: 'string', licence: 'string' },
  books: { title: 'string', author: 'string', year: 'year?', source: 'string', licence: 'string' },
  sayings: { kind: ['proverb', 'quote'], text: 'string', author: 'string?', source: 'string', licence: 'string' },
  exclude: { relation: 'string', subject: 'string', reason: 'string', source: 'string' },
  rename: { relation: 'string', from: 'string', to: 'string', source: 'string' },
  aliases: { value: 'string', aliases: 'strings', source: 'string' },
} as const satisfies Record<Exclude<keyof Seeds, 'curation'> | keyof Curation, FieldSpec>;

type SeedLists = Omit<Seeds, 'curation'> & Curation;

function fail(file: string, text: string, offsets: Map<string, number>, pointer: string, message: string): never {
  const at = offsets.get(pointer) ?? offsets.get(pointer.slice(0, pointer.lastIndexOf('/'))) ?? 0;
  throw new CpiError('CPI_SEED_INVALID', message, { file, line: lineAt(text, at), pointer, hint: 'fix the seed file; every entry needs each field, with its source and licence' });
}

/**
 * Parses one seed file (`key` is people, books or sayings).
 * @throws CpiError CPI_SEED_INVALID naming file, line and JSON pointer of the bad field.
 */
export function parseSeedFile<K extends keyof SeedLists>(text: string, file: string, key: K): SeedLists[K] {
  const parsed = parseJsonWithLine(text);
  if (!parsed.ok) throw new CpiError('CPI_SEED_INVALID', `is not valid JSON: ${parsed.message}`, { file, line: parsed.line });
  const offsets = valueOffsets(text, 3);
  const doc = parsed.value as Record<string, unknown>;
  if (typeof doc !== 'object' || doc === null || doc['schemaVersion'] !== 1) fail(file, text, offsets, '/schemaVersion', 'schemaVersion must be 1');
  const list = doc[key];
  if (!Array.isArray(list)) fail(file, text, offsets, `/${key}`, `"${key}" must be an array`);
  const spec: FieldSpec = SPECS[key];
  const seen = new Set<string>();
  list.forEach((entry: unknown, index: number) => {
    const at = `/${key}/${index}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(file, text, offsets, at, 'must be an object');
    const row = entry as Record<string, unknown>;
    for (const field of Object.keys(row)) if (!(field in spec)) fail(file, text, offsets, `${at}/${field}`, `unknown field "${field}"`);
    for (const [field, kind] of Object.entries(spec)) {
      const v = row[field];
      const p = `${at}/${field}`;
      if (Array.isArray(kind)) {
        if (!kind.includes(v as string)) fail(file, text, offsets, p, `field "${field}" must be one of ${kind.join(', ')}`);
      } else if (kind === 'strings' || kind === 'strings?') {
        if (v === undefined && kind === 'strings?') continue;
        if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string' || x.trim() === '')) fail(file, text, offsets, p, `field "${field}" must be a non-empty array of non-empty strings`);
      } else if (kind === 'year?') {
        if (v !== undefined && !(Number.isInteger(v) && (v as number) > 0 && (v as number) < 2100)) fail(file, text, offsets, p, `field "${field}" must be a year`);
      } else if (v !== undefined || kind === 'string') {
        if (typeof v !== 'string' || v.trim() === '') fail(file, text, offsets, p, `field "${field}" must be a non-empty string`);
      }
    }
    const identity = String(row['name'] ?? row['title'] ?? row['text'] ?? row['value'] ?? `${String(row['relation'])}:${String(row['subject'] ?? row['from'])}`);
    if (seen.has(identity)) fail(file, text, offsets, at, `duplicate entry "${identity}"`);
    seen.add(identity);
  });
  return list as SeedLists[K];
}

/** Parses datasets/seeds/curation.json: its exclude, rename and aliases lists, each entry with its source. */
export function parseCurationFile(text: string, file: string): Curation {
  return { exclude: parseSeedFile(text, file, 'exclude'), rename: parseSeedFile(text, file, 'rename'), aliases: parseSeedFile(text, file, 'aliases') };
}
