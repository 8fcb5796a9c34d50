// The shape every scorer shares. A scorer turns one prediction record (and its item) into a label plus two
// independent hits; the per-checkpoint rates are counts of these.
import type { ConflictItem, PredictionRecord } from '@cpi-bench/schemas';

/**
 * CTX: the output follows the context. PAR: it follows the model's memory. BOTH / OTHER: both or neither
 * answer. EMPTY: nothing was generated. AMBIG: log-probabilities too close to call.
 */
export type Label = 'CTX' | 'PAR' | 'BOTH' | 'OTHER' | 'EMPTY' | 'AMBIG';

/** The verdict of one scorer on one record. */
export interface ItemScore {
  label: Label;
  /** The context answer (or an alias) was given. Independent of `par`: both can be true. */
  ctx: boolean;
  /** The parametric answer (or an alias) was given. */
  par: boolean;
  /** M_C = p(ctx) / (p(ctx) + p(par)) where log-probabilities exist; null otherwise. */
  mc: number | null;
}

/** An item with its answers normalised once, so scoring a million records does not re-normalise them. */
export interface PreparedItem {
  item: ConflictItem;
  /** Normalised context answer and aliases (empty when the item has none). */
  ctxForms: string[];
  /** Normalised parametric answer and aliases. */
  parForms: string[];
  /** Per context form, its words that do not occur in any parametric form (nor are stopwords). */
  ctxDiscriminative: string[][];
  parDiscriminative: string[][];
  /** The forms and discriminative words wrapped in single spaces, ready for word-bounded search. */
  padded: { ctx: string[]; par: string[]; ctxWords: string[]; parWords: string[] };
  /** Both answers are option letters ("A" / "B"): the text scorers then match the chosen option exactly. */
  options?: { ctx: string; par: string };
  /** A conflict whose two answers are the same up to normalisation ("Same." / "same."): no scorer can tell them apart, so it is left out. */
  indistinct?: boolean;
}

/** What a scorer sees: the item, the record and, for generations, the normalised output text. The object is reused from record to record: read it, do not keep it. */
export interface ScoringInput {
  prepared: PreparedItem;
  record: PredictionRecord;
  /** normalizeText(record.generation.text), computed once per record and shared by the text scorers. */
  normalizedText: string;
  /** ' ' + normalizedText + ' ': a word-bounded match is then a plain substring search. */
  paddedText: string;
}

/** Options the scorers read. */
export interface ScoringOptions {
  /**
   * Log-ratio (nats) below which the logprob scorers call an item AMBIG instead of CTX or PAR.
   * @default 0.1
   */
  logprobMargin?: number;
}

/** A registered scorer. */
export interface Scorer {
  id: string;
  description: string;
  /** Which records it reads: generated text or scored candidates. */
  mode: 'generate' | 'score';
  /** The verdict (possibly a shared, frozen object: do not modify it), or null when the record carries nothing this scorer can judge. */
  score(input: ScoringInput, options: ScoringOptions): Readonly<ItemScore> | null;
}

/** The verdicts of the text scorers, shared (they carry no per-item data), so scoring allocates nothing. */
export const VERDICT = Object.freeze({
  CTX: Object.freeze<ItemScore>({ label: 'CTX', ctx: true, par: false, mc: null }),
  PAR: Object.freeze<ItemScore>({ label: 'PAR', ctx: false, par: true, mc: null }),
  BOTH: Object.freeze<ItemScore>({ label: 'BOTH', ctx: true, par: true, mc: null }),
  OTHER: Object.freeze<ItemScore>({ label: 'OTHER', ctx: false, par: false, mc: null }),
  EMPTY: Object.freeze<ItemScore>({ label: 'EMPTY', ctx: false, par: false, mc: null }),
});
