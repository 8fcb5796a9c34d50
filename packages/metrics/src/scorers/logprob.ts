// Scorers over the candidates' log-probabilities (score mode). M_C = p(ctx) / (p(ctx) + p(par)) is the
// quantity of the paper's Theorem 1; 1 - M_C is Longpre et al.'s memorisation ratio.
import type { PredictionRecord } from '@cpi-bench/schemas';
import type { ItemScore, Scorer, ScoringOptions } from './types.ts';

type Candidate = NonNullable<PredictionRecord['candidates']>[number];

/** The default ambiguity margin, in nats. */
export const DEFAULT_LOGPROB_MARGIN = 0.1;

/** Per side: the summed probability (as a log) and the best per-token mean, in one pass without allocation. */
interface Side {
  count: number;
  max: number;
  sumExp: number;
  bestPerToken: number;
  mainText: string | undefined;
  hasMain: boolean;
  greedyKnown: boolean;
  greedy: boolean;
}

function emptySide(): Side {
  return { count: 0, max: -Infinity, sumExp: 0, bestPerToken: -Infinity, mainText: undefined, hasMain: false, greedyKnown: false, greedy: false };
}

function add(side: Side, c: Candidate): void {
  side.count++;
  // Streaming log-sum-exp: rescale the running sum when a new maximum arrives.
  if (c.logprob > side.max) {
    side.sumExp = side.sumExp * Math.exp(side.max - c.logprob) + 1;
    side.max = c.logprob;
  } else {
    side.sumExp += Math.exp(c.logprob - side.max);
  }
  const perToken = c.logprob / c.tokenCount;
  if (perToken > side.bestPerToken) side.bestPerToken = perToken;
  // The side's answer is its first non-alias candidate (or its first candidate, if all are aliases).
  if (c.isAlias !== true && !side.hasMain) {
    side.mainText = c.text.trim();
    side.hasMain = true;
  } else if (side.mainText === undefined) {
    side.mainText = c.text.trim();
  }
  if (c.greedy !== undefined) {
    side.greedyKnown = true;
    if (c.greedy) side.greedy = true;
  }
}

/** log of the summed probability of the side's candidates (any surface form of the answer counts). */
function total(side: Side): number {
  return side.max + Math.log(side.sumExp);
}

/** 1 / (1 + e^-x), stable for large |x|. */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * `total`: compare the summed probabilities of each answer and its aliases. `perToken`: compare each side's
 * best mean log-probability per token, which does not penalise long answers. M_C is always from totals.
 */
function scoreCandidates(record: PredictionRecord, variant: 'total' | 'perToken', options: ScoringOptions): ItemScore | null {
  const ctx = emptySide();
  const par = emptySide();
  for (const c of record.candidates ?? []) add(c.role === 'context' ? ctx : par, c);
  if (ctx.count === 0 || par.count === 0) {
    // One side only (a closed-book probe scored without a counterfactual): greedy decoding of the answer
    // is the only verdict the record holds.
    const side = ctx.count > 0 ? ctx : par;
    if (!side.greedyKnown) return null;
    const isCtx = side === ctx;
    return { label: side.greedy ? (isCtx ? 'CTX' : 'PAR') : 'OTHER', ctx: side.greedy && isCtx, par: side.greedy && !isCtx, mc: null };
  }
  if (ctx.mainText === par.mainText) {
    // Both sides the same answer (the aligned split): no ratio to take, but greedy decoding still says
    // whether the model gives it.
    if (!ctx.greedyKnown && !par.greedyKnown) return null;
    const hit = ctx.greedy || par.greedy;
    return { label: hit ? 'BOTH' : 'OTHER', ctx: hit, par: hit, mc: null };
  }
  const totalDelta = total(ctx) - total(par);
  const delta = variant === 'total' ? totalDelta : ctx.bestPerToken - par.bestPerToken;
  const margin = options.logprobMargin ?? DEFAULT_LOGPROB_MARGIN;
  const mc = sigmoid(totalDelta);
  if (delta > margin) return { label: 'CTX', ctx: true, par: false, mc };
  if (delta < -margin) return { label: 'PAR', ctx: false, par: true, mc };
  return { label: 'AMBIG', ctx: false, par: false, mc };
}

export const logprobScorer: Scorer = {
  id: 'logprob',
  description: 'M_C = p(ctx)/(p(ctx)+p(par)) from the summed probability of each answer and its aliases; CTX or PAR by the sign of the log-ratio, AMBIG within the margin.',
  mode: 'score',
  score: ({ record }, options) => scoreCandidates(record, 'total', options),
};

export const logprobPerTokenScorer: Scorer = {
  id: 'logprob-per-token',
  description: 'As logprob, but each answer scored by its mean log-probability per token (long answers are not penalised); M_C still from total probabilities.',
  mode: 'score',
  score: ({ record }, options) => scoreCandidates(record, 'perToken', options),
};
