// The lab's experiment, in memory: build the world and tokenizer, pretrain until the closed-book gate holds,
// then finetune with a probe at every checkpoint. Pure apart from the callbacks it is given (progress,
// checkpoint sink), so tests and the CLI drive the same code.
import { CpiError, type ConflictItem } from '@cpi-bench/schemas';
import { buildByteLevelTokenizer, encode, tokenizerVocabSize, type TokenizerJson } from '@cpi-bench/onnx-gpt2';
import { buildEvalItems } from './eval-items.ts';
import { buildWorld, contextSentence, factSentences, plainPrompt, pretrainingCue, questionFor, type ToyWorld } from './facts.ts';
import { Adam, makeBatch, TinyGpt, type Batch } from './gpt.ts';
import { modelConfig, type LabOptions } from './options.ts';
import { createRng, type Rng } from './rng.ts';

/** Everything a run shares: the world, the tokenizer and its cached encoder, the evaluation items. */
export interface LabContext {
  options: LabOptions;
  world: ToyWorld;
  tokenizer: TokenizerJson;
  eotId: number;
  encode(text: string): number[];
  items: ConflictItem[];
  nPositions: number;
}

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
}

export type ProgressSink = (event: { phase: 'pretrain' | 'finetune'; step: number; total: number; loss: number; note?: string }) => void;

/** Builds the world, the BPE tokenizer learned on the lab's own sentences, and the evaluation items. */
export function prepareLab(options: LabOptions): LabContext {
  const rng = createRng(options.seed);
  const world = buildWorld(rng, options);
  const items = buildEvalItems(world, createRng(options.seed + 7919));
  const corpus: string[] = [];
  const all = [...world.knownTrain, ...world.knownHeldOut, ...world.unknownTrain, ...world.unknownHeldOut];
  for (const f of all) corpus.push(...factSentences(f.subject, f.object), plainPrompt(questionFor(f.subject), contextSentence(f.subject, f.object)) + ' ' + f.object, `${f.subject} is a place.`);
  for (const o of world.objects) corpus.push(` ${o}`, `${o}.`);
  const tokenizer = buildByteLevelTokenizer({ corpus, vocabSize: options.vocabSize });
  const eotId = tokenizerVocabSize(tokenizer) - 1;
  const cache = new Map<string, number[]>();
  const enc = (text: string): number[] => {
    let ids = cache.get(text);
    if (!ids) { ids = encode(tokenizer, text); cache.set(text, ids); }
    return ids;
  };
  const longest = Math.max(...items.map((it) => enc(plainPrompt(it.question ?? '', it.context)).length + enc(' ' + (it.contextAnswer ?? it.parametricAnswer ?? '')).length + 1));
  // Room for the longest evaluation prompt plus answer, rounded up; the runner may append a few more tokens.
  const nPositions = Math.max(64, Math.ceil((longest + 16) / 16) * 16);
  return { options, world, tokenizer, eotId, encode: enc, items, nPositions };
}

/** A fresh model of the run's size, initialised from the run's seed. */
export function initialModel(ctx: LabContext): TinyGpt {
  return TinyGpt.init(modelConfig(ctx.options.size, tokenizerVocabSize(ctx.tokenizer), ctx.nPositions), createRng(ctx.options.seed + 1));
}

/** Lets timers (the progress bar) run between training steps. */
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

type Row = { ids: number[]; lossFrom: number };

/** A pretraining sentence (all-token loss). */
function pretrainRow(ctx: LabContext, rng: Rng): Row {
  const { world, options } = ctx;
  const u = rng.next();
  let text: string;
  if (u < options.iclShare) {
    // Copy documents: a made-up fact stated twice, so the model learns to copy from earlier text.
    const s = rng.pick(rng.next() < 0.5 ? world.unknownTrain.length ? world.unknownTrain : world.unknownHeldOut : world.unknownHeldOut.length ? world.unknownHeldOut : world.unknownTrain);
    const x = rng.pick(world.objects);
    text = `The capital of ${s.subject} is ${x}. ${s.subject}'s capital is ${x}.`;
  } else if (u < options.iclShare + options.fillerShare) {
    const pool = rng.next() < 0.5 ? [...world.knownTrain, ...world.knownHeldOut] : [...world.unknownTrain, ...world.unknownHeldOut];
    text = `${rng.pick(pool).subject} is a place.`;
  } else {
    const f = rng.pick(rng.next() < world.knownTrain.length / (world.knownTrain.length + world.knownHeldOut.length) ? world.knownTrain : world.knownHeldOut);
    text = rng.pick(factSentences(f.subject, f.object));
  }
  return { ids: ctx.encode(text), lossFrom: 0 };
}

/** A finetuning example in the plain template, loss on the answer tokens and end-of-text only. */
function finetuneRow(ctx: LabContext, rng: Rng): Row {
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

function toBatch(rows: readonly Row[]): Batch {
  const loss: [number, number, number][] = [];
  rows.forEach((r, i) => { for (let t = Math.max(r.lossFrom, 1); t < r.ids.length; t++) loss.push([i, t - 1, r.ids[t]!]); });
  return makeBatch(rows.map((r) => r.ids), loss);
}

/** One finetuning batch (finetuning rows only) drawn from `seed`, for the speed benchmark. */
export function finetuneBatchForBench(ctx: LabContext, seed: number): Batch {
  const rng = createRng(seed);
  return toBatch(Array.from({ length: ctx.options.batch - Math.round(ctx.options.batch * ctx.options.rehearsalShare) }, () => finetuneRow(ctx, rng)));
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

/** Closed-book accuracy on all known facts in pretraining phrasing (the pretraining gate). */
export function closedBookPretrainingAccuracy(model: TinyGpt, ctx: LabContext): number {
  const facts = [...ctx.world.knownTrain, ...ctx.world.knownHeldOut];
  const ok = greedyMatches(model, facts.map((f) => ({ prompt: ctx.encode(pretrainingCue(f.subject)), answer: ctx.encode(' ' + f.object) })));
  return ok.filter(Boolean).length / Math.max(1, ok.length);
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
    step, loss,
    contextFt: rate(conflictFt.map((p) => p[0])), parametricFt: rate(conflictFt.map((p) => p[1])),
    contextHeldOut: rate(conflictHo.map((p) => p[0])), parametricHeldOut: rate(conflictHo.map((p) => p[1])),
    aligned: rate(aligned), closedBook: rate(closed), closedBookPretraining: rate(cbPre), unknownContext: rate(unknown),
  };
}

/** Pretrains `model` in place until the closed-book gate holds; returns the steps taken and the final accuracy. */
export async function pretrain(model: TinyGpt, ctx: LabContext, onProgress?: ProgressSink): Promise<{ steps: number; closedBook: number; lossCurve: [number, number][] }> {
  const o = ctx.options;
  const rng = createRng(o.seed + 2);
  const opt = new Adam(model.size, { warmup: 50 });
  const lossCurve: [number, number][] = [];
  let running = 0, n = 0;
  for (let step = 1; step <= o.pretrainMaxSteps; step++) {
    const rows = Array.from({ length: o.pretrainBatch }, () => pretrainRow(ctx, rng));
    model.zeroGrad();
    const loss = model.lossAndGrad(toBatch(rows));
    opt.step(model.params, model.grads, o.pretrainLr);
    running += loss; n++;
    onProgress?.({ phase: 'pretrain', step, total: o.pretrainMaxSteps, loss });
    await yieldToEventLoop();
    if (step % o.gateEvery === 0) {
      const cb = closedBookPretrainingAccuracy(model, ctx);
      lossCurve.push([step, running / n]);
      running = 0; n = 0;
      onProgress?.({ phase: 'pretrain', step, total: o.pretrainMaxSteps, loss, note: `closed-book ${cb.toFixed(2)}` });
      if (cb >= o.closedBookGate) return { steps: step, closedBook: cb, lossCurve };
    }
  }
  throw new CpiError('CPI_TOYLAB_GATE_NOT_REACHED', `closed-book accuracy stayed below ${o.closedBookGate} after ${o.pretrainMaxSteps} pretraining steps`, {
    hint: 'raise --pretrain-max-steps or the model size (--size small)',
  });
}

/**
 * Finetunes a copy of `base`; calls `onCheckpoint` at step 0 and every `checkpointEvery` steps (and at the
 * last step) with the model and its probe. Returns the probe curve.
 */
export async function finetune(base: TinyGpt, ctx: LabContext, onCheckpoint: (step: number, model: TinyGpt, point: ProbePoint) => Promise<void>, onProgress?: ProgressSink): Promise<ProbePoint[]> {
  const o = ctx.options;
  const model = base.clone();
  const rng = createRng(o.seed + 3);
  const opt = new Adam(model.size, { warmup: 20 });
  const rehearsalRows = Math.round(o.batch * o.rehearsalShare);
  const curve: ProbePoint[] = [];
  const first = probe(model, ctx, 0, Number.NaN);
  curve.push(first);
  await onCheckpoint(0, model, first);
  let running = 0, n = 0;
  for (let step = 1; step <= o.steps; step++) {
    model.zeroGrad();
    const ft = Array.from({ length: o.batch - rehearsalRows }, () => finetuneRow(ctx, rng));
    // Rehearsal rows are a separate batch so short sentences are not padded to prompt length; both
    // losses are weighted by their rows, as one batch of mixed rows would be.
    let loss = model.lossAndGradScaled(toBatch(ft), (o.batch - rehearsalRows) / o.batch);
    if (rehearsalRows > 0) loss += model.lossAndGradScaled(toBatch(Array.from({ length: rehearsalRows }, () => pretrainRow(ctx, rng))), rehearsalRows / o.batch);
    opt.step(model.params, model.grads, o.lr);
    running += loss; n++;
    onProgress?.({ phase: 'finetune', step, total: o.steps, loss });
    await yieldToEventLoop();
    if (step % o.checkpointEvery === 0 || step === o.steps) {
      const point = probe(model, ctx, step, running / n);
      running = 0; n = 0;
      curve.push(point);
      await onCheckpoint(step, model, point);
      onProgress?.({ phase: 'finetune', step, total: o.steps, loss, note: `ctx ${point.contextFt.toFixed(2)} param ${point.parametricFt.toFixed(2)}` });
    }
  }
  return curve;
}
