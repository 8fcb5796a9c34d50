// Multiple-choice answers given as option letters (MemoTrap's history-of-science items: "A" / "B"). After
// normalisation the letter "a" is the article "a", so containment would match almost any sentence; an option
// letter is scored by exact match on the option the output opens with instead.
import { VERDICT, type ItemScore } from './scorers/types.ts';

const LETTER = /^\s*\(?([A-Z])\)?[.:)\]]?\s*$/;
/** The output's opening option: a capital letter alone or followed by ".", ")", ":" or "]" ("B", "B. The Earth…", "(B)"). */
const OPENING_OPTION = /^\s*\(?([A-Z])(?:[.:)\],]|\s*$)/;

/** The option letter an answer is ("A", "B."), or undefined when it is an ordinary answer. */
export function optionLetter(answer: string | undefined): string | undefined {
  return answer === undefined ? undefined : LETTER.exec(answer)?.[1];
}

/** The option an output chooses, or undefined when it opens with none ("A flat Earth" chooses none). */
export function chosenOption(output: string): string | undefined {
  return OPENING_OPTION.exec(output)?.[1];
}

/** CTX or PAR when the output opens with that option, OTHER when it opens with none or another. */
export function optionVerdict(options: { ctx: string; par: string }, output: string): ItemScore {
  const chosen = chosenOption(output);
  return chosen === options.ctx ? VERDICT.CTX : chosen === options.par ? VERDICT.PAR : VERDICT.OTHER;
}
