// The leakage guard: counterfactual examples added to finetuning data must never come from the evaluation
// suite, or the benchmark would measure training on the test set. An item overlaps the suite when it shares
// its id, its fact (provenance.factId or groupId), its subject (a known subject, or one a question of the
// suite names: imported items such as cf-capitals carry no subject), its question, or its pair of answers.
import { normalize } from '@cpi-bench/generator';
import { CpiError, type ConflictItem } from '@cpi-bench/schemas';

export interface EvalIndex {
  name: string;
  ids: ReadonlySet<string>;
  facts: ReadonlySet<string>;
  subjects: ReadonlySet<string>;
  questions: ReadonlySet<string>;
  /** Every run of up to MAX_SUBJECT_WORDS words of the suite's questions, normalised. */
  questionPhrases: ReadonlySet<string>;
  answerPairs: ReadonlySet<string>;
}

const MAX_SUBJECT_WORDS = 8;
/** Shorter subjects ("It", "Up") are too common to look for inside questions. */
const MIN_SUBJECT_CHARS = 4;

function addPhrases(question: string, into: Set<string>): void {
  const words = normalize(question).split(' ');
  for (let i = 0; i < words.length; i++) {
    let phrase = '';
    for (let n = 0; n < MAX_SUBJECT_WORDS && i + n < words.length; n++) {
      phrase = n === 0 ? (words[i] as string) : `${phrase} ${words[i + n] as string}`;
      into.add(phrase);
    }
  }
}

/** The fact an item was made from, without the generator's variant suffix (`…/v2`). */
const factKey = (item: ConflictItem) => (item.provenance.factId ?? item.groupId ?? '').replace(/\/v\d+$/, '');
const pairKey = (item: ConflictItem) => `${normalize(item.parametricAnswer ?? '')}\u0000${normalize(item.contextAnswer ?? '')}`;

/**
 * Indexes an evaluation suite. `subjectOf` gives an item's subject where it is known (generator items,
 * through their fact id and the fact base).
 */
export function buildEvalIndex(name: string, items: Iterable<ConflictItem>, subjectOf: (item: ConflictItem) => string | undefined): EvalIndex {
  const index = { name, ids: new Set<string>(), facts: new Set<string>(), subjects: new Set<string>(), questions: new Set<string>(), questionPhrases: new Set<string>(), answerPairs: new Set<string>() };
  for (const item of items) {
    index.ids.add(item.id);
    const fact = factKey(item);
    if (fact) index.facts.add(fact);
    const subject = subjectOf(item);
    if (subject) index.subjects.add(normalize(subject));
    const question = item.question ?? item.prompt;
    if (question) index.questions.add(normalize(question));
    // Completion prompts (MemoTrap) are proverbs, not questions about a subject.
    if (item.question) addPhrases(item.question, index.questionPhrases);
    if (item.parametricAnswer && item.contextAnswer) index.answerPairs.add(pairKey(item));
  }
  return index;
}

/** Why `item` overlaps the suite, or undefined when it does not. */
export function leakOf(item: ConflictItem, index: EvalIndex, subject: string | undefined): string | undefined {
  if (index.ids.has(item.id)) return `its id ${item.id} is in ${index.name}`;
  const fact = factKey(item);
  if (fact && index.facts.has(fact)) return `its fact ${fact} is evaluated in ${index.name}`;
  if (subject && index.subjects.has(normalize(subject))) return `its subject "${subject}" is evaluated in ${index.name}`;
  if (subject && normalize(subject).length >= MIN_SUBJECT_CHARS && index.questionPhrases.has(normalize(subject))) {
    return `its subject "${subject}" is named in a question of ${index.name}`;
  }
  const question = item.question ?? item.prompt;
  if (question && index.questions.has(normalize(question))) return `its question "${question}" is asked in ${index.name}`;
  if (item.parametricAnswer && item.contextAnswer && index.answerPairs.has(pairKey(item))) {
    return `its answers "${item.parametricAnswer}" / "${item.contextAnswer}" are an evaluated pair in ${index.name}`;
  }
  return undefined;
}

/**
 * Refuses items that overlap the evaluation suite.
 * @throws CpiError CPI_MITIGATION_EVAL_LEAK naming the first overlapping items and why.
 */
export function assertNoEvalLeak(items: readonly ConflictItem[], index: EvalIndex, subjectOf: (item: ConflictItem) => string | undefined): void {
  const leaks: string[] = [];
  for (const item of items) {
    const why = leakOf(item, index, subjectOf(item));
    if (why) leaks.push(`${item.id}: ${why}`);
  }
  if (leaks.length > 0) {
    throw new CpiError('CPI_MITIGATION_EVAL_LEAK', `${leaks.length} of ${items.length} counterfactual items overlap the evaluation suite ${index.name}; training on them would train on the test set:\n  ${leaks.slice(0, 5).join('\n  ')}${leaks.length > 5 ? `\n  … and ${leaks.length - 5} more` : ''}`, {
      hint: 'use --source facts without --items (facts the suite does not evaluate), or items made from other facts',
    });
  }
}
