// Finding evaluated entities in finetuning text: whole words, a minimum length and a stop-word list, so
// that an evaluated answer "A" or "No" does not match "Write a haiku about autumn". Matching is by word
// n-grams against a set (not one huge regex alternation, which is too slow for millions of lines).

/** Common English words that are also answers somewhere in an evaluation suite; never treated as entities. */
export const DEFAULT_STOP_WORDS: readonly string[] = [
  'the', 'and', 'for', 'are', 'but', 'not', 'you', 'all', 'any', 'can', 'had', 'her', 'was', 'one', 'our', 'out', 'day', 'get', 'has', 'him',
  'his', 'how', 'man', 'new', 'now', 'old', 'see', 'two', 'way', 'who', 'boy', 'did', 'its', 'let', 'put', 'say', 'she', 'too', 'use', 'yes',
  'same', 'none', 'true', 'false', 'this', 'that', 'with', 'from', 'they', 'have', 'will', 'what', 'when', 'where', 'which', 'there', 'their',
  'about', 'would', 'could', 'should', 'other', 'some', 'time', 'year', 'years', 'people', 'first', 'last', 'many', 'most', 'more', 'also',
  'ago', 'due', 'lie', 'men', 'sow', 'vol', 'home', 'night', 'gold', 'cure', 'link', 'wise', 'dead', 'lost', 'wait', 'well', 'good', 'best',
  'north', 'south', 'east', 'west', 'english', 'french', 'german', 'spanish', 'american', 'british', 'world', 'earth', 'water', 'light',
];

export interface EntityMatcherOptions {
  /** Entities shorter than this many letters and digits are ignored. @default 3 */
  minLength: number;
  /** Words never treated as entities (compared lowercased). @default DEFAULT_STOP_WORDS */
  stopWords: readonly string[];
  /** Keep bare numbers ("5", "1945") as entities; most text mentions numbers. @default false */
  numbers: boolean;
  /** Keep entities that are not proper names (no capital letter: "writer", "cake"). @default false */
  commonWords: boolean;
}

export const ENTITY_MATCHER_DEFAULTS: EntityMatcherOptions = { minLength: 3, stopWords: DEFAULT_STOP_WORDS, numbers: false, commonWords: false };

const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;
const ASCII = /^[\x00-\x7f]*$/;

/** The words of a text, accents folded (case kept: entities are proper names). */
export function wordsOf(text: string): string[] {
  const folded = ASCII.test(text) ? text : text.normalize('NFKD').replace(MARKS, '');
  return folded.match(WORD) ?? [];
}

export interface EntityMatcher {
  /** How many entities are searched for, after the length, stop-word and proper-name rules. */
  readonly size: number;
  /** The first entity found in `text` as whole words, or undefined. */
  find(text: string): string | undefined;
  /** Every entity found in `text`, in order of first occurrence, without repeats. */
  findAll(text: string): string[];
}

/**
 * Builds a matcher. An entity counts when it has at least `minLength` letters or digits, is not a stop word,
 * is not a bare number (unless `numbers`) and has a capital letter (unless `commonWords`). Matching is
 * whole-word and case-sensitive, so "Nice" the city does not match "a nice poem".
 * @example buildEntityMatcher(['Paris', 'A']).find('Write a haiku about autumn') // undefined
 */
export function buildEntityMatcher(entities: Iterable<string>, options: Partial<EntityMatcherOptions> = {}): EntityMatcher {
  const o = { ...ENTITY_MATCHER_DEFAULTS, ...options };
  const stop = new Set(o.stopWords.map((w) => w.toLowerCase()));
  const phrases = new Map<string, string>();
  const firstWords = new Set<string>();
  let maxWords = 0;
  for (const entity of entities) {
    const words = wordsOf(entity);
    const key = words.join(' ');
    if (words.length === 0 || words.join('').length < o.minLength) continue;
    if (words.length === 1 && stop.has(key.toLowerCase())) continue;
    if (!o.numbers && words.every((w) => /^\p{N}+$/u.test(w))) continue;
    if (!o.commonWords && !/\p{Lu}/u.test(key)) continue;
    phrases.set(key, entity);
    firstWords.add(words[0] as string);
    maxWords = Math.max(maxWords, words.length);
  }
  /** Calls `onHit` for each match, longest phrase at each position; stops when it returns true. */
  const scan = (text: string, onHit: (entity: string) => boolean): void => {
    if (phrases.size === 0) return;
    const words = wordsOf(text);
    for (let i = 0; i < words.length; i++) {
      let key = words[i] as string;
      if (!firstWords.has(key)) continue;
      let longest: string | undefined;
      for (let n = 1; ; n++) {
        longest = phrases.get(key) ?? longest;
        if (n >= maxWords || i + n >= words.length) break;
        key += ' ' + (words[i + n] as string);
      }
      if (longest !== undefined && onHit(longest)) return;
    }
  };
  return {
    size: phrases.size,
    find(text) {
      let found: string | undefined;
      scan(text, (e) => ((found = e), true));
      return found;
    },
    findAll(text) {
      const found = new Set<string>();
      scan(text, (e) => (found.add(e), false));
      return [...found];
    },
  };
}
