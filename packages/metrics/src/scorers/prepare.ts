// Normalises an item's answers once per run: every scorer reads the normalised forms and the words that
// tell the context answer and the parametric answer apart.
import type { ConflictItem } from '@cpi-bench/schemas';
import { normalizeAnswer, STOPWORDS } from '../text.ts';
import { optionLetter } from '../option-letter.ts';
import type { PreparedItem } from './types.ts';

function forms(main: string | undefined, aliases: readonly string[] | undefined): string[] {
  const out = new Set<string>();
  for (const a of [main, ...(aliases ?? [])]) {
    if (a === undefined) continue;
    const n = normalizeAnswer(a);
    if (n.length > 0) out.add(n);
  }
  return [...out];
}

function discriminative(own: readonly string[], other: readonly string[]): string[][] {
  const otherWords = new Set(other.flatMap((f) => f.split(' ')));
  return own.map((f) => f.split(' ').filter((w) => !otherWords.has(w) && !STOPWORDS.has(w)));
}

/** Normalises an item's answers once; every scorer reads the result. */
export function prepareItem(item: ConflictItem): PreparedItem {
  const ctxForms = forms(item.contextAnswer, item.contextAliases);
  const parForms = forms(item.parametricAnswer, item.parametricAliases);
  const ctxDiscriminative = discriminative(ctxForms, parForms);
  const parDiscriminative = discriminative(parForms, ctxForms);
  const pad = (w: string): string => ` ${w} `;
  const prepared: PreparedItem = {
    item, ctxForms, parForms, ctxDiscriminative, parDiscriminative,
    padded: {
      ctx: ctxForms.map(pad), par: parForms.map(pad),
      ctxWords: [...new Set(ctxDiscriminative.flat())].map(pad), parWords: [...new Set(parDiscriminative.flat())].map(pad),
    },
  };
  const ctxOption = optionLetter(item.contextAnswer);
  const parOption = optionLetter(item.parametricAnswer);
  if (ctxOption !== undefined && parOption !== undefined) prepared.options = { ctx: ctxOption, par: parOption };
  if (item.split === 'conflict' && ctxForms.some((f) => parForms.includes(f))) prepared.indistinct = true;
  return prepared;
}
