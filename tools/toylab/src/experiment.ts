// The lab's experiment, in memory: build the world and tokenizer, pretrain until the closed-book gate holds,
// then finetune with a probe at every checkpoint. Pure apart from the callbacks it is given (progress,
// checkpoint sink), so tests and the CLI drive the same code.
import { CpiError, type ConflictItem } from '@cpi-bench/schemas';
import { buildByteLevelTokenizer, encode, tokenizerVocabSize, type TokenizerJson } from '@cpi-bench/onnx-gpt2';
import { buildEvalItems } from './eval-items.ts';
import { finetuneRow, pretrainRow, toBatch, type Row } from './examples.ts';
import { buildWorld, closedBookQaTexts, contextSentence, factSentences, plainPrompt, questionFor, type ToyWorld } from './facts.ts';
import { Adam } from './model/adam.ts';
import { TinyGpt } from './model/tiny-gpt.ts';
import { modelConfig, type LabOptions } from './options.ts';
import { closedBookAccuracies, probe, type ProbePoint } from './probe.ts';
import { createRng } from './rng.ts';

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

export type ProgressSink = (event: { phase: 'pretrain' | 'finetune'; step: number; total: number; loss: number; note?: string }) => void;

/** Builds the world, the BPE tokenizer learned on the lab's own sentences, and the evaluation items. */
export function prepareLab(options: LabOptions): LabContext {
  const rng = createRng(options.seed);
  const world = buildWorld(rng, options);
  const items = buildEvalItems(world, createRng(options.seed + 7919));
  const corpus: string[] = [];
  const all = [...world.knownTrain, ...world.knownHeldOut, ...world.unknownTrain, ...world.unknownHeldOut];
  for (const f of all) corpus.push(...factSentences(f.subject, f.object), ...closedBookQaTexts(f.subject, f.object), plainPrompt(questionFor(f.subject), contextSentence(f.subject, f.object)) + ' ' + f.object, `${f.subject} is a place.`);
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

/** Pretrains `model` in place until the closed-book gate holds; returns the steps taken and the final accuracy. */
export async function pretrain(model: TinyGpt, ctx: LabContext, onProgress?: ProgressSink): Promise<{ steps: number; closedBook: number; closedBookTemplate: number; lossCurve: [number, number][] }> {
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
      const cb = closedBookAccuracies(model, ctx);
      lossCurve.push([step, running / n]);
      running = 0; n = 0;
      onProgress?.({ phase: 'pretrain', step, total: o.pretrainMaxSteps, loss, note: `closed-book ${cb.pretraining.toFixed(2)} (template ${cb.template.toFixed(2)})` });
      if (Math.min(cb.pretraining, cb.template) >= o.closedBookGate) return { steps: step, closedBook: cb.pretraining, closedBookTemplate: cb.template, lossCurve };
    }
  }
  throw new CpiError('CPI_TOYLAB_GATE_NOT_REACHED', `closed-book accuracy (pretraining phrasing and evaluation template) stayed below ${o.closedBookGate} after ${o.pretrainMaxSteps} pretraining steps`, {
    hint: 'raise --pretrain-max-steps or the model size (--size small)',
  });
}

/**
 * Finetunes a copy of `base`; calls `onCheckpoint` at step 0 and every `checkpointEvery` steps (and at the
 * last step) with the model and its probe. Returns the probe curve (also probed every `probeEvery` steps).
 * Finetuning rows are drawn from the options' mix, or uniformly from `data` when given (a finetuning file,
 * e.g. after a mitigation: `finetune-data.ts`), or from `data(step)` when the file changes during finetuning.
 */
export async function finetune(base: TinyGpt, ctx: LabContext, onCheckpoint: (step: number, model: TinyGpt, point: ProbePoint) => Promise<void>, onProgress?: ProgressSink, data?: readonly Row[] | ((step: number) => readonly Row[])): Promise<ProbePoint[]> {
  const rowsAt = (step: number): readonly Row[] | undefined => {
    const rows = typeof data === 'function' ? data(step) : data;
    if (rows !== undefined && rows.length === 0) throw new CpiError('CPI_TOYLAB_EMPTY_DATA', 'the finetuning data holds no examples', { hint: 'a filter dropped every example; loosen it' });
    return rows;
  };
  rowsAt(1);
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
    const pool = rowsAt(step);
    const ft = Array.from({ length: o.batch - rehearsalRows }, () => (pool ? rng.pick(pool) : finetuneRow(ctx, rng)));
    // Rehearsal rows are a separate batch so short sentences are not padded to prompt length; both
    // losses are weighted by their rows, as one batch of mixed rows would be.
    let loss = model.lossAndGradScaled(toBatch(ft), (o.batch - rehearsalRows) / o.batch);
    if (rehearsalRows > 0) loss += model.lossAndGradScaled(toBatch(Array.from({ length: rehearsalRows }, () => pretrainRow(ctx, rng))), rehearsalRows / o.batch);
    opt.step(model.params, model.grads, o.lr);
    running += loss; n++;
    onProgress?.({ phase: 'finetune', step, total: o.steps, loss });
    await yieldToEventLoop();
    const isCheckpoint = step % o.checkpointEvery === 0 || step === o.steps;
    if (isCheckpoint || (o.probeEvery > 0 && step % o.probeEvery === 0)) {
      const point = probe(model, ctx, step, running / n);
      running = 0; n = 0;
      curve.push(point);
      if (isCheckpoint) await onCheckpoint(step, model, point);
      onProgress?.({ phase: 'finetune', step, total: o.steps, loss, note: `ctx ${point.contextFt.toFixed(2)} param ${point.parametricFt.toFixed(2)}` });
    }
  }
  return curve;
}
