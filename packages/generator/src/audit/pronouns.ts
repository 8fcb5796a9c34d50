// Pronoun agreement in swapped biographies (the paper's CF_Bio): a biography of one person with another's
// name swapped in keeps the first person's pronouns ("Rodin ... she"). A person's own pronouns are read from
// the items that are about them (where they are the parametric answer), so no outside list of people is needed.
import type { ConflictItem } from '@cpi-bench/schemas';
import { normalize } from '../core/text.ts';

export const PRONOUN_CHECK = {
  id: 'pronoun_mismatch',
  description: 'a swapped-in name keeps the pronouns of the person the text was about ("Rodin ... she"): the context contradicts itself',
  intendedFlag: 'pronoun_mismatch',
} as const;

type Gender = 'm' | 'f';
const MASCULINE = /\b(he|him|his|himself)\b/gi;
const FEMININE = /\b(she|her|hers|herself)\b/gi;
/** Share of the pronouns that must agree before a text counts as about a man or a woman. */
const DOMINANCE = 0.8;
/** Fewest pronouns a text needs before its gender is read. */
const MIN_PRONOUNS = 3;

function genderOf(text: string): Gender | undefined {
  const m = text.match(MASCULINE)?.length ?? 0;
  const f = text.match(FEMININE)?.length ?? 0;
  if (m + f < MIN_PRONOUNS) return undefined;
  return m / (m + f) >= DOMINANCE ? 'm' : f / (m + f) >= DOMINANCE ? 'f' : undefined;
}

/** Conflict items whose context's pronouns disagree with the swapped-in person's own, with a detail each. */
export function pronounFindings(items: readonly ConflictItem[]): { item: ConflictItem; detail: string }[] {
  // A person's gender: the pronouns of the contexts about them (they are the parametric answer there).
  const votes = new Map<string, Gender[]>();
  for (const item of items) {
    if (item.split !== 'conflict' || !item.context || !item.parametricAnswer) continue;
    const g = genderOf(item.context);
    if (g) votes.set(normalize(item.parametricAnswer), [...(votes.get(normalize(item.parametricAnswer)) ?? []), g]);
  }
  const personGender = new Map<string, Gender>();
  for (const [name, gs] of votes) if (gs.every((g) => g === gs[0])) personGender.set(name, gs[0] as Gender);
  const out: { item: ConflictItem; detail: string }[] = [];
  for (const item of items) {
    if (item.split !== 'conflict' || !item.context || !item.contextAnswer) continue;
    const own = personGender.get(normalize(item.contextAnswer));
    const text = genderOf(item.context);
    if (own && text && own !== text) {
      out.push({ item, detail: `the context calls "${item.contextAnswer}" ${text === 'm' ? 'he' : 'she'}; their own biography says ${own === 'm' ? 'he' : 'she'}` });
    }
  }
  return out;
}
