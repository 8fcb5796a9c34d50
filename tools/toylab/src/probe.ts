// The lab's probe: greedy exact-match on the evaluation items at a checkpoint (context and parametric
// answers on counterfactuals, aligned, closed-book, unknown-subject contexts) and a held-out instruction loss.
import type { ConflictItem } from '@cpi-bench/schemas';
import { heldOutInstructionBatch } from './examples.ts';
import type { LabContext } from './experiment.ts';
import { plainPrompt, pretrainingCue, questionFor } from './facts.ts';
import { makeBatch, type Batch } from './model/batch.ts';
import type { TinyGpt } from './model/tiny-gpt.ts';

/** One probe measurement (greedy decoding, exact-match on the answer's tokens). */
export interface ProbePoint {
  step: number;
  /** Counterfactual items answered with the context answer: finetuned / held-out known subjects. */
  contextFt: number;
  contextHeldOut: number;
  /** Counterfactual items answered with the true (memorised) answer. */
  parametricFt: number;
  parametricHeldOut: number;
  aligned: number;
  closedBook: number;
  /** Closed-book accuracy in pretraining phrasing ("The capital of S is"). */
  closedBookPretraining: number;
  unknownContext: number;
  /** Mean training loss since the previous probe. */
  loss: number;
  /** Answer-token loss on instruction examples no step trains on (held-out subjects, aligned and context-critical). */
  heldOutLoss: number;
}

/** Mean cross-entropy of a batch's targets (no gradient). */
function batchLoss(model: TinyGpt, batch: Batch): number {
  if (batch.lossIndex.length === 0) return Number.NaN;
  const V = model.config.vocabSize;
  const logits = model.logitsAt(batch, batch.lossIndex);
  let loss = 0;
  for (let k = 0; k < batch.lossIndex.length; k++) {
    const row = logits.subarray(k * V, (k + 1) * V);
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (row[v]! > max) max = row[v]!;
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(row[v]! - max);
    loss += Math.log(sum) + max - row[batch.lossTarget[k]!]!;
  }
  return loss / batch.lossIndex.length;
}

/** A scoring request: does greedy decoding after `prompt` produce exactly `answer`'s tokens? */
interface Check { prompt: number[]; answer: number[] }

/** Greedy exact-match for many checks at once: one teacher-forced pass per check, argmax at every answer position. */
export function greedyMatches(model: TinyGpt, checks: readonly Check[], chunk = 64): boolean[] {
  const order = checks.map((c, i) => i).sort((a, b) => checks[a]!.prompt.length + checks[a]!.answer.length - (checks[b]!.prompt.length + checks[b]!.answer.length));
  const out = new Array<boolean>(checks.length).fill(false);
  const V = model.config.vocabSize;
  for (let s = 0; s < order.length; s += chunk) {
    const idx = order.slice(s, s + chunk);
    const rows = idx.map((i) => [...checks[i]!.prompt, ...checks[i]!.answer]);
    const positions: [number, number, number][] = [];
    idx.forEach((i, r) => { const c = checks[i]!; c.answer.forEach((tok, k) => positions.push([r, c.prompt.length - 1 + k, tok])); });
    const batch = makeBatch(rows, positions);
    const logits = model.logitsAt(batch, batch.lossIndex);
    let p = 0;
    idx.forEach((i) => {
      let ok = true;
      for (let k = 0; k < checks[i]!.answer.length; k++, p++) {
        const row = logits.subarray(p * V, (p + 1) * V);
        let best = 0;
        for (let v = 1; v < V; v++) if (row[v]! > row[best]!) best = v;
        if (best !== batch.lossTarget[p]) ok = false;
      }
      out[i] = ok;
    });
  }
  return out;
}

/**
 * Closed-book accuracy on all known facts, in pretraining phrasing and in the evaluation template (answer
 * then end-of-text): the pretraining gate needs both.
 */
export function closedBookAccuracies(model: TinyGpt, ctx: LabContext): { pretraining: number; template: number } {
  const facts = [...ctx.world.knownTrain, ...ctx.world.knownHeldOut];
  const checks = facts.flatMap((f) => [
    { prompt: ctx.encode(pretrainingCue(f.subject)), answer: ctx.encode(' ' + f.object) },
    { prompt: ctx.encode(plainPrompt(questionFor(f.subject))), answer: [...ctx.encode(' ' + f.object), ctx.eotId] },
  ]);
  const ok = greedyMatches(model, checks);
  const rate = (parity: number): number => ok.filter((v, i) => v && i % 2 === parity).length / Math.max(1, facts.length);
  return { pretraining: rate(0), template: rate(1) };
}

/** Scores the evaluation items with greedy decoding (answer tokens then end-of-text must be the argmax). */
export function probe(model: TinyGpt, ctx: LabContext, step: number, loss: number): ProbePoint {
  const limit = ctx.options.probeLimit;
  const byPool = (split: string, pool: string): ConflictItem[] => {
    const all = ctx.items.filter((it) => it.split === split && it.id.includes(`/${pool}/`));
    return limit > 0 ? all.slice(0, limit) : all;
  };
  const checks: Check[] = [];
  const add = (it: ConflictItem, answer: string): number => {
    checks.push({ prompt: ctx.encode(plainPrompt(it.question ?? '', it.context)), answer: [...ctx.encode(' ' + answer), ctx.eotId] });
    return checks.length - 1;
  };
  const conflictFt = byPool('conflict', 'ft').map((it) => [add(it, it.contextAnswer!), add(it, it.parametricAnswer!)] as const);
  const conflictHo = byPool('conflict', 'heldout').map((it) => [add(it, it.contextAnswer!), add(it, it.parametricAnswer!)] as const);
  const aligned = [...byPool('aligned', 'ft'), ...byPool('aligned', 'heldout')].map((it) => add(it, it.contextAnswer!));
  const closed = [...byPool('closed_book', 'ft'), ...byPool('closed_book', 'heldout')].map((it) => add(it, it.parametricAnswer!));
  const unknown = byPool('unknown_subject', 'heldout').map((it) => add(it, it.contextAnswer!));
  const known = [...ctx.world.knownTrain, ...ctx.world.knownHeldOut];
  const cbPre = (limit > 0 ? known.slice(0, 2 * limit) : known).map((f) => {
    checks.push({ prompt: ctx.encode(pretrainingCue(f.subject)), answer: ctx.encode(' ' + f.object) });
    return checks.length - 1;
  });
  const ok = greedyMatches(model, checks);
  const rate = (ids: readonly number[]): number => (ids.length ? ids.filter((i) => ok[i]).length / ids.length : 0);
  return {
    step, loss, heldOutLoss: batchLoss(model, heldOutInstructionBatch(ctx)),
    contextFt: rate(conflictFt.map((p) => p[0])), parametricFt: rate(conflictFt.map((p) => p[1])),
    contextHeldOut: rate(conflictHo.map((p) => p[0])), parametricHeldOut: rate(conflictHo.map((p) => p[1])),
    aligned: rate(aligned), closedBook: rate(closed), closedBookPretraining: rate(cbPre), unknownContext: rate(unknown),
  };
}
