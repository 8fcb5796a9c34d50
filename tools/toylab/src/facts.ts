// The lab's world: real countries and capitals (countries-list, MIT) as known facts, invented country names
// as unknown subjects, and the sentence forms of pretraining and finetuning. Pure and seeded.
import { countries } from 'countries-list';
import type { Rng } from './rng.ts';

/** One subject -> object fact. `known` facts are taught in pretraining; unknown ones only appear in contexts. */
export interface ToyFact { id: string; subject: string; object: string; known: boolean }

/** Subject pools with their roles in the experiment. */
export interface ToyWorld {
  /** Known facts used in finetuning (non-context-critical and counterfactual examples). */
  knownTrain: ToyFact[];
  /** Known facts never finetuned on: reliance on them shows whether the change generalises. */
  knownHeldOut: ToyFact[];
  /** Unknown subjects used in finetuning; `object` is their fixed (memorisable) answer. */
  unknownTrain: ToyFact[];
  /** Unknown subjects only used for evaluation. */
  unknownHeldOut: ToyFact[];
  /** Every object name (the capitals), the pool counterfactual and random answers are drawn from. */
  objects: string[];
}

const SIMPLE_NAME = /^[A-Za-z]+( [A-Za-z]+)?$/;

/** Real country/capital pairs with plain ASCII names of one or two words and a unique capital, sorted by country. */
export function realCapitalFacts(): { subject: string; object: string }[] {
  const rows = Object.values(countries)
    .filter((c) => c.capital && SIMPLE_NAME.test(c.name) && SIMPLE_NAME.test(c.capital) && c.capital !== c.name && !c.capital.startsWith('The '))
    .map((c) => ({ subject: c.name, object: c.capital }));
  const count = new Map<string, number>();
  for (const r of rows) count.set(r.object, (count.get(r.object) ?? 0) + 1);
  return rows.filter((r) => count.get(r.object) === 1).sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
}

const ONSETS = ['Bal', 'Cor', 'Dar', 'Esk', 'Fal', 'Gor', 'Hal', 'Ist', 'Jor', 'Kel', 'Lor', 'Mar', 'Nor', 'Ost', 'Pel', 'Quor', 'Ral', 'Sel', 'Tor', 'Ul', 'Var', 'Wen', 'Yar', 'Zel'];
const CODAS = ['avia', 'enia', 'istan', 'ovia', 'aria', 'onia', 'esia', 'uria', 'land', 'mark', 'ador', 'ica'];

/** Invented country names (`Korovia`, `Selistan`, …) that collide with no real country. */
export function inventedCountries(count: number, rng: Rng): string[] {
  const real = new Set(Object.values(countries).map((c) => c.name));
  const all = ONSETS.flatMap((a) => CODAS.map((b) => a + b)).filter((n) => !real.has(n));
  if (count > all.length) throw new Error(`only ${all.length} invented names available, ${count} requested`);
  return rng.shuffle(all).slice(0, count);
}

/** Splits the real facts and invents unknown subjects with fixed objects. */
export function buildWorld(rng: Rng, options: { heldOutKnown: number; unknownTrain: number; unknownHeldOut: number }): ToyWorld {
  const real = rng.shuffle(realCapitalFacts());
  const objects = real.map((f) => f.object).sort();
  const heldOut = Math.min(options.heldOutKnown, Math.floor(real.length / 2));
  const known: ToyFact[] = real.map((f, i) => ({ id: `cap-${String(i).padStart(3, '0')}`, subject: f.subject, object: f.object, known: true }));
  const names = inventedCountries(options.unknownTrain + options.unknownHeldOut, rng);
  const unknown: ToyFact[] = names.map((subject, i) => ({ id: `unk-${String(i).padStart(3, '0')}`, subject, object: rng.pick(objects), known: false }));
  return {
    knownTrain: known.slice(heldOut),
    knownHeldOut: known.slice(0, heldOut),
    unknownTrain: unknown.slice(0, options.unknownTrain),
    unknownHeldOut: unknown.slice(options.unknownTrain),
    objects,
  };
}

/** The three pretraining phrasings of a fact (the prototype's), each a full sentence. */
export function factSentences(subject: string, object: string): string[] {
  return [`The capital of ${subject} is ${object}.`, `${subject}'s capital is ${object}.`, `${object} is the capital of ${subject}.`];
}

/**
 * Closed-book question/answer phrasings of a fact for pretraining, the evaluation template's first: a
 * pretrained LLM answers "Question: ...? Answer:" from memory before any instruction tuning, so the toy
 * model's knowledge must be retrievable in that format too, not only as "The capital of S is".
 */
export function closedBookQaTexts(subject: string, object: string): string[] {
  return [
    `${plainPrompt(questionFor(subject))} ${object}`,
    `Q: What is the capital of ${subject}?\nA: ${object}`,
    `Which city is the capital of ${subject}? ${object}.`,
  ];
}

/** The sentence a context states: the same form the evaluation items use. */
export function contextSentence(subject: string, object: string): string {
  return `The capital of ${subject} is ${object}.`;
}

export function questionFor(subject: string): string {
  return `What is the capital of ${subject}?`;
}

/** The subject of a `questionFor` question (undefined for any other text). */
export function subjectOfQuestion(question: string): string | undefined {
  return /^What is the capital of (.+)\?$/.exec(question)?.[1];
}

/** The `plain` prompt template (packages/generator), without the answer and with no trailing space. */
export function plainPrompt(question: string, context?: string): string {
  return context === undefined ? `Question: ${question}\nAnswer:` : `Context: ${context}\nQuestion: ${question}\nAnswer:`;
}

/** The prompt of the closed-book gate in pretraining phrasing: the answer follows after a space. */
export function pretrainingCue(subject: string): string {
  return `The capital of ${subject} is`;
}
