// Entities in open text that the fact base does not list (a user's "John Smith", "Springfield"), found with
// compromise (a maintained rule-based NLP library; no model download) and typed so that the fact base can
// supply a same-type substitute. Organisations are not returned: the fact base has none to swap in.
import nlp from 'compromise';

export interface OpenEntity {
  name: string;
  type: 'person' | 'city';
}

const TRAILING = /[^\p{L}\p{N}]+$/u;
const LEADING = /^[^\p{L}\p{N}]+/u;
const clean = (s: string) => s.replace(TRAILING, '').replace(LEADING, '').replace(/['’]s$/u, '');

/** People and places in `text` (places typed as cities), in order, without repeats. */
export function findOpenEntities(text: string): OpenEntity[] {
  const doc = nlp(text);
  const out = new Map<string, OpenEntity['type']>();
  for (const name of doc.people().out('array') as string[]) out.set(clean(name), 'person');
  for (const name of doc.places().out('array') as string[]) if (!out.has(clean(name))) out.set(clean(name), 'city');
  return [...out].filter(([name]) => /\p{Lu}/u.test(name) && name.length >= 3).map(([name, type]) => ({ name, type }));
}
