// The curated seed files under datasets/seeds/ (people, books, sayings): parsed and checked field by
// field, so a typo is reported as file:line and JSON pointer rather than as a bad item much later.
import { CpiError } from '@cpi-bench/schemas';
import { lineAt, parseJsonWithLine, valueOffsets } from '../core/json-location.ts';

export interface PersonSeed { name: string; nationality: string; profession: string; knownFor: string; source: string; licence: string }
export interface BookSeed { title: string; author: string; year?: number; source: string; licence: string }
export interface SayingSeed { kind: 'proverb' | 'quote'; text: string; author?: string; source: string; licence: string }

export interface Seeds {
  people: PersonSeed[];
  books: BookSeed[];
  sayings: SayingSeed[];
}

type FieldSpec = Record<string, 'string' | 'string?' | 'year?' | readonly string[]>;

const SPECS = {
  people: { name: 'string', nationality: 'string', profession: 'string', knownFor: 'string', source: 'string', licence: 'string' },
  books: { title: 'string', author: 'string', year: 'year?', source: 'string', licence: 'string' },
  sayings: { kind: ['proverb', 'quote'], text: 'string', author: 'string?', source: 'string', licence: 'string' },
} as const satisfies Record<keyof Seeds, FieldSpec>;

function fail(file: string, text: string, offsets: Map<string, number>, pointer: string, message: string): never {
  const at = offsets.get(pointer) ?? offsets.get(pointer.slice(0, pointer.lastIndexOf('/'))) ?? 0;
  throw new CpiError('CPI_SEED_INVALID', message, { file, line: lineAt(text, at), pointer, hint: 'fix the seed file; every entry needs each field, with its source and licence' });
}

/**
 * Parses one seed file (`key` is people, books or sayings).
 * @throws CpiError CPI_SEED_INVALID naming file, line and JSON pointer of the bad field.
 */
export function parseSeedFile<K extends keyof Seeds>(text: string, file: string, key: K): Seeds[K] {
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
      } else if (kind === 'year?') {
        if (v !== undefined && !(Number.isInteger(v) && (v as number) > 0 && (v as number) < 2100)) fail(file, text, offsets, p, `field "${field}" must be a year`);
      } else if (v !== undefined || kind === 'string') {
        if (typeof v !== 'string' || v.trim() === '') fail(file, text, offsets, p, `field "${field}" must be a non-empty string`);
      }
    }
    const identity = String(row['name'] ?? row['title'] ?? row['text']);
    if (seen.has(identity)) fail(file, text, offsets, at, `duplicate entry "${identity}"`);
    seen.add(identity);
  });
  return list as Seeds[K];
}
