// Answer matching shared by the generator's self-checks and the audit: accent- and case-folded,
// punctuation-blind, whole-word containment, the "paper" scorer of the replication made exact.

const STOPWORDS = new Set(['the', 'and', 'for', 'from', 'with', 'that', 'this', 'into', 'over', 'under', 'upon', 'your', 'their', 'city', 'of', 'a', 'an', 'in', 'on', 'at', 'to', 'is', 'by']);

const NORMALIZE_CACHE_LIMIT = 100_000;
const normalizeCache = new Map<string, string>();

/** NFKD, accents removed, lowercased, every non-alphanumeric run turned into one space, trimmed. */
export function normalize(text: string): string {
  // Answers and subjects recur thousands of times in a large generation: memoise the short ones.
  if (text.length > 48) return normalizeUncached(text);
  let out = normalizeCache.get(text);
  if (out === undefined) {
    if (normalizeCache.size >= NORMALIZE_CACHE_LIMIT) normalizeCache.clear();
    out = normalizeUncached(text);
    normalizeCache.set(text, out);
  }
  return out;
}

// Hoisted: a regex literal inside a function is a new object on every call.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const NON_ALNUM_ASCII = /[^a-z0-9]+/g;
const MARKS = /\p{M}+/gu;
const NON_ALNUM = /[^\p{L}\p{N}]+/gu;
const ALNUM = /[\p{L}\p{N}]/u;

function normalizeUncached(text: string): string {
  // Plain ASCII needs no Unicode decomposition, which is the slow part.
  if (PRINTABLE_ASCII.test(text)) return text.toLowerCase().replace(NON_ALNUM_ASCII, ' ').trim();
  return text.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(NON_ALNUM, ' ').trim();
}

/** True when `needle` occurs in `haystack` as whole words after normalisation. */
export function containsAnswer(haystack: string, needle: string): boolean {
  const n = normalize(needle);
  if (n === '') return false;
  return (' ' + normalize(haystack) + ' ').includes(' ' + n + ' ');
}

/**
 * containsAnswer with `haystack` normalised once, for testing many needles against one long text (the
 * audit tests every alias against a context; normalising the context per alias was quadratic).
 * @example const inContext = answerFinder(item.context); aliases.some(inContext)
 */
export function answerFinder(haystack: string): (needle: string) => boolean {
  const padded = ' ' + normalize(haystack) + ' ';
  return (needle) => {
    const n = normalize(needle);
    return n !== '' && padded.includes(' ' + n + ' ');
  };
}

/** Position of the first whole-word occurrence of `needle` in `haystack` (raw offsets), or -1. */
export function answerOffset(haystack: string, needle: string): number {
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return -1;
    const before = at === 0 ? '' : haystack[at - 1] ?? '';
    const after = haystack[at + needle.length] ?? '';
    if (!ALNUM.test(before) && !ALNUM.test(after)) return at;
    from = at + 1;
  }
}

/** Words that carry meaning: longer than three characters and not a stopword. */
export function significantWords(text: string): string[] {
  let words = wordsCache.get(text);
  if (words === undefined) {
    if (wordsCache.size >= NORMALIZE_CACHE_LIMIT) wordsCache.clear();
    words = normalize(text).split(' ').filter((w) => w.length > 3 && !STOPWORDS.has(w));
    wordsCache.set(text, words);
  }
  return words;
}
const wordsCache = new Map<string, string[]>();

/** The significant words two answers share ("United States" / "United Kingdom" share "united"). */
export function sharedWords(a: string, b: string): string[] {
  const left = significantWords(a);
  if (left.length === 0) return [];
  return [...new Set(significantWords(b).filter((w) => left.includes(w)))];
}

/** True when two answers could be confused by containment scoring: equal, nested, or sharing a word. */
export function answersOverlap(a: string, b: string): boolean {
  return containsAnswer(a, b) || containsAnswer(b, a) || sharedWords(a, b).length > 0;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "a" or "an" before a word, by its first letter (good enough for professions). */
export function indefiniteArticle(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** A lowercase, dash-separated identifier fragment ("Leonardo da Vinci" -> "leonardo-da-vinci"). */
export function slug(text: string): string {
  const ascii = normalize(text).replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
  return ascii || 'x';
}
