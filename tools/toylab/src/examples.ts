// The lab's training and evaluation examples as token rows: pretraining documents, finetuning examples in
// the plain template, and the fixed held-out instruction batch the probe scores. Pure and seeded.
import { closedBookQaTexts, contextSentence, factSentences, plainPrompt, questionFor, type ToyWorld } from './facts.ts';
import type { LabContext } from './experiment.ts';
import { makeBatch, type Batch } from './model/batch.ts';
import { createRng, type Rng } from './rng.ts';

/** A token row; the loss covers the tokens from `lossFrom` on (0 = every token). */
export type Row = { ids: number[]; lossFrom: number };

const pickKnown = (world: ToyWorld, rng: Rng) => rng.pick(rng.next() < world.knownTrain.length / (world.knownTrain.length + world.knownHeldOut.length) ? world.knownTrain : world.knownHeldOut);

/** A pretraining document (all-token loss): a copy document, a filler, a closed-book QA or a fact sentence. */
export function pretrainRow(ctx: LabContext, rng: Rng): Row {
  const { world, options } = ctx;
  const u = rng.next();
  if (u < options.iclShare) {
    // Copy documents: a made-up fact stated twice, so the model learns to copy from earlier text.
    const s = rng.pick(rng.next() < 0.5 ? world.unknownTrain.length ? world.unknownTrain : world.unknownHeldOut : world.unknownHeldOut.length ? world.unknownHeldOut : world.unknownTrain);
    const x = rng.pick(world.objects);
    return { ids: ctx.encode(`The capital of ${s.subject} is ${x}. ${s.subject}'s capital is ${x}.`), lossFrom: 0 };
  }
  if (u < options.iclShare + options.fillerShare) {
    const pool = rng.next() < 0.5 ? [...world.knownTrain, ...world.knownHeldOut] : [...world.unknownTrain, ...world.unknownHeldOut];
    return { ids: ctx.encode(`${rng.pick(pool).subject} is a place.`), lossFrom: 0 };
  }
  const f = pickKnown(world, rng);
  // QA documents end with end-of-text, as an answer in the template does (the probe requires it).
  if (u < options.iclShare + options.fillerShare + options.qaShare) return { ids: [...ctx.encode(rng.pick(closedBookQaTexts(f.subject, f.object))), ctx.eotId], lossFrom: 0 };
  return { ids: ctx.encode(rng.pick(factSentences(f.subject, f.object))), lossFrom: 0 };
}

/** A finetuning example in the plain template, loss on the answer tokens and end-of-text only. */
export function finetuneRow(ctx: LabContext, rng: Rng): Row {
  const { world, options } = ctx;
  const u = rng.next();
  let subject: string, contextAnswer: string | undefined, answer: string;
  if (u < options.nonContextCriticalShare) {
    const f = rng.pick(world.knownTrain);
    subject = f.subject; contextAnswer = f.object; answer = f.object;
  } else if (u < options.nonContextCriticalShare + options.counterfactualShare) {
    const f = rng.pick(world.knownTrain);
    let x = rng.pick(world.objects);
    while (x === f.object) x = rng.pick(world.objects);
    subject = f.subject; contextAnswer = x; answer = x;
  } else if (u < options.nonContextCriticalShare + options.counterfactualShare + options.closedBookShare) {
    const f = rng.pick(world.knownTrain);
    subject = f.subject; contextAnswer = undefined; answer = f.object;
  } else {
    const f = rng.pick(world.unknownTrain);
    const x = options.memorisableUnknowns ? f.object : rng.pick(world.objects);
    subject = f.subject; contextAnswer = x; answer = x;
  }
  const prompt = ctx.encode(plainPrompt(questionFor(subject), contextAnswer === undefined ? undefined : contextSentence(subject, contextAnswer)));
  return { ids: [...prompt, ...ctx.encode(' ' + answer), ctx.eotId], lossFrom: prompt.length };
}

export function toBatch(rows: readonly Row[]): Batch {
  const loss: [number, number, number][] = [];
  rows.forEach((r, i) => { for (let t = Math.max(r.lossFrom, 1); t < r.ids.length; t++) loss.push([i, t - 1, r.ids[t]!]); });
  return makeBatch(rows.map((r) => r.ids), loss);
}

/** One finetuning batch (finetuning rows only) drawn from `seed`, for the speed benchmark. */
export function finetuneBatchForBench(ctx: LabContext, seed: number): Batch {
  const rng = createRng(seed);
  return toBatch(Array.from({ length: ctx.options.batch - Math.round(ctx.options.batch * ctx.options.rehearsalShare) }, () => finetuneRow(ctx, rng)));
}

/** One pretraining batch drawn from `seed`, for the speed benchmark. */
export function pretrainBatchForBench(ctx: LabContext, seed: number): Batch {
  const rng = createRng(seed);
  return toBatch(Array.from({ length: ctx.options.pretrainBatch }, () => pretrainRow(ctx, rng)));
}

const heldOutBatches = new WeakMap<LabContext, Batch>();

/**
 * A fixed batch of finetuning-format examples on subjects finetuning never sees: aligned contexts for
 * held-out known subjects, random contexts for held-out unknown subjects (answer-token loss).
 */
export function heldOutInstructionBatch(ctx: LabContext): Batch {
  let batch = heldOutBatches.get(ctx);
  if (batch) return batch;
  const rng = createRng(ctx.options.seed + 13);
  const rows: Row[] = [];
  const add = (subject: string, answer: string): void => {
    const prompt = ctx.encode(plainPrompt(questionFor(subject), contextSentence(subject, answer)));
    rows.push({ ids: [...prompt, ...ctx.encode(' ' + answer), ctx.eotId], lossFrom: prompt.length });
  };
  for (const f of ctx.world.knownHeldOut.slice(0, 32)) add(f.subject, f.object);
  for (const f of ctx.world.unknownHeldOut.slice(0, 32)) add(f.subject, rng.pick(ctx.world.objects));
  batch = toBatch(rows);
  heldOutBatches.set(ctx, batch);
  return batch;
}
