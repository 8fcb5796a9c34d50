// Answer normalisation shared by the text scorers: both the model output and the answers pass through the
// same function, so "Côte d'Ivoire", "cote d ivoire" and "CÔTE D’IVOIRE." all compare equal.

const MARKS = /\p{M}+/gu;
const NOT_WORD = /[^\p{L}\p{N}]+/gu;
const ASCII = /^[\x00-\x7f]*$/;
const NOT_ASCII_WORD = /[^a-z0-9]+/g;
const LEADING_ARTICLE = /^(?:the|a|an) /;

/**
 * Unicode NFKD with accents stripped, lower case, punctuation and symbols turned into spaces, whitespace
 * collapsed. Returns words joined by single spaces, with no leading or trailing space.
 * @example normalizeText('  Côte d’Ivoire!') // 'cote d ivoire'
 */
export function normalizeText(text: string): string {
  // Most model output is ASCII: skip the (comparatively slow) NFKD and Unicode-class passes for it.
  if (ASCII.test(text)) return text.toLowerCase().replace(NOT_ASCII_WORD, ' ').trim();
  return text.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(NOT_WORD, ' ').trim();
}

/**
 * normalizeText, then a leading article dropped ("The Hague" -> "hague"), as SQuAD's normaliser does for
 * answers. An answer that is only an article is kept as it is.
 */
export function normalizeAnswer(answer: string): string {
  const n = normalizeText(answer);
  const stripped = n.replace(LEADING_ARTICLE, '');
  return stripped.length > 0 ? stripped : n;
}

/**
 * Whether `answer` occurs in `text` bounded by word edges; both already normalised.
 * "paris" is in "it is paris" but not in "parisian"; "york" is in "new york".
 */
export function containsWords(text: string, answer: string): boolean {
  if (answer.length === 0) return false;
  return (' ' + text + ' ').includes(' ' + answer + ' ');
}

/** Words that carry no answer identity: left out when deciding which of two answers a text names. */
export const STOPWORDS: ReadonlySet<string> = new Set([
  'the', 'a', 'an', 'of', 'and', 'or', 'in', 'on', 'at', 'to', 'for', 'by', 'with', 'from', 'de', 'la', 'le', 'du', 'des', 'del', 'van', 'von',
]);
