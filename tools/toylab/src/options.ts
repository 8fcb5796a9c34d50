// The one typed configuration of a lab run, with its defaults (configuration "H" of the feasibility
// prototype, docs in ../shared/toy-prototype.md) merged in one place.
import { CpiError } from '@cpi-bench/schemas';
import type { Gpt2Config } from '@cpi-bench/onnx-gpt2';

/** Model sizes: `tiny` is for CI smoke tests, `small` is the lab's model (2 layers, d=64, 4 heads). */
export const MODEL_SIZES = {
  tiny: { nEmbd: 16, nLayer: 1, nHead: 2 },
  small: { nEmbd: 64, nLayer: 2, nHead: 4 },
} as const;
export type ModelSize = keyof typeof MODEL_SIZES;

export interface LabOptions {
  /** @default 'small' */
  size: ModelSize;
  /** Seeds the world split, the initial weights and every batch. @default 0 */
  seed: number;
  /** BPE vocabulary size learned from the lab's corpus (257 = bytes only). @default 1024 */
  vocabSize: number;
  /** Known facts kept out of finetuning (held-out reliance). @default 50 */
  heldOutKnown: number;
  /** Unknown subjects used in finetuning. @default 150 */
  unknownTrain: number;
  /** Unknown subjects kept for evaluation. @default 50 */
  unknownHeldOut: number;
  /** Share of ICL copy documents ("The capital of U is X. U's capital is X.") in pretraining. @default 0.25 */
  iclShare: number;
  /** Share of filler sentences ("S is a place.") in pretraining. @default 0.15 */
  fillerShare: number;
  /** Share of closed-book QA documents about known facts in pretraining (several phrasings, the evaluation template's among them). @default 0.3 */
  qaShare: number;
  /** Pretraining batch rows. @default 48 */
  pretrainBatch: number;
  /** @default 0.003 */
  pretrainLr: number;
  /** Pretraining stops once closed-book accuracy on the known facts reaches this, both in pretraining phrasing and in the evaluation template. @default 0.9 */
  closedBookGate: number;
  /** Check the gate every this many pretraining steps. @default 100 */
  gateEvery: number;
  /** Give up (CPI_TOYLAB_GATE_NOT_REACHED) after this many pretraining steps. @default 4000 */
  pretrainMaxSteps: number;
  /** Share of non-context-critical finetuning examples (known subject, context agrees with memory). @default 0.5 */
  nonContextCriticalShare: number;
  /** Unknown subjects keep one fixed answer across finetuning (memorisable) rather than a fresh one each time. @default true */
  memorisableUnknowns: boolean;
  /** Share of counterfactual finetuning examples (known subject, context contradicts memory, answer = context). @default 0 */
  counterfactualShare: number;
  /** Share of closed-book question/answer examples on finetuning known subjects. @default 0 */
  closedBookShare: number;
  /** Share of each finetuning batch that rehearses pretraining sentences (all-token loss). @default 0.25 */
  rehearsalShare: number;
  /** Finetuning batch rows, rehearsal included. @default 32 */
  batch: number;
  /** Finetuning learning rate. @default 0.001 */
  lr: number;
  /** Finetuning steps. @default 1000 */
  steps: number;
  /** Save a checkpoint (and probe) every this many finetuning steps; step 0 is always saved. @default 50 */
  checkpointEvery: number;
  /** Probe every this many finetuning steps (0 = at the checkpoints only); step 0, the checkpoints and the last step are always probed. @default 0 */
  probeEvery: number;
  /** Counterfactual probe items per known-subject pool (ft and held-out); 0 = all. @default 0 */
  probeLimit: number;
}

export const DEFAULT_LAB_OPTIONS: Readonly<LabOptions> = Object.freeze({
  size: 'small', seed: 0, vocabSize: 1024, heldOutKnown: 50, unknownTrain: 150, unknownHeldOut: 50,
  iclShare: 0.25, fillerShare: 0.15, qaShare: 0.3, pretrainBatch: 48, pretrainLr: 0.003, closedBookGate: 0.9, gateEvery: 100, pretrainMaxSteps: 4000,
  nonContextCriticalShare: 0.5, memorisableUnknowns: true, counterfactualShare: 0, closedBookShare: 0, rehearsalShare: 0.25,
  batch: 32, lr: 0.001, steps: 1000, checkpointEvery: 50, probeEvery: 0, probeLimit: 0,
});

/** Merges overrides into the defaults (undefined means "default") and checks every value. */
export function resolveLabOptions(overrides: Partial<LabOptions> = {}): LabOptions {
  const o = { ...DEFAULT_LAB_OPTIONS } as LabOptions;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LAB_OPTIONS)) throw new CpiError('CPI_TOYLAB_BAD_OPTION', `unknown lab option "${key}"`, { pointer: `/${key}` });
    (o as unknown as Record<string, unknown>)[key] = value;
  }
  const bad = (key: keyof LabOptions, why: string): never => {
    throw new CpiError('CPI_TOYLAB_BAD_OPTION', `lab option ${key} ${why} (got ${JSON.stringify(o[key])})`, { pointer: `/${key}` });
  };
  if (!(o.size in MODEL_SIZES)) bad('size', `must be one of ${Object.keys(MODEL_SIZES).join(', ')}`);
  for (const k of ['seed', 'heldOutKnown', 'unknownTrain', 'unknownHeldOut', 'probeLimit', 'probeEvery'] as const) if (!Number.isInteger(o[k]) || o[k] < 0) bad(k, 'must be a non-negative integer');
  for (const k of ['pretrainBatch', 'gateEvery', 'pretrainMaxSteps', 'batch', 'steps', 'checkpointEvery'] as const) if (!Number.isInteger(o[k]) || o[k] < 1) bad(k, 'must be a positive integer');
  if (!Number.isInteger(o.vocabSize) || o.vocabSize < 257) bad('vocabSize', 'must be an integer >= 257');
  for (const k of ['iclShare', 'fillerShare', 'qaShare', 'closedBookGate', 'nonContextCriticalShare', 'counterfactualShare', 'closedBookShare', 'rehearsalShare'] as const) {
    if (!(o[k] >= 0 && o[k] <= 1)) bad(k, 'must lie in [0, 1]');
  }
  if (o.iclShare + o.fillerShare + o.qaShare > 1) bad('iclShare', 'plus fillerShare plus qaShare must not exceed 1');
  if (o.nonContextCriticalShare + o.counterfactualShare + o.closedBookShare > 1) bad('nonContextCriticalShare', 'plus counterfactualShare plus closedBookShare must not exceed 1');
  if (o.rehearsalShare >= 1) bad('rehearsalShare', 'must be below 1 (finetuning needs finetuning rows)');
  if (!(o.lr > 0) || !(o.pretrainLr > 0)) bad('lr', 'must be positive');
  if (o.unknownTrain < 1 && o.nonContextCriticalShare + o.counterfactualShare + o.closedBookShare < 1) bad('unknownTrain', 'must be >= 1 when there are context-critical examples');
  return o;
}

/** The GPT-2 config of a run: the size preset, the tokenizer's vocabulary and room for the longest prompt. */
export function modelConfig(size: ModelSize, vocabSize: number, nPositions = 64): Gpt2Config {
  return { vocabSize, nPositions, ...MODEL_SIZES[size] };
}

/** Whether two resolved option sets are the same run configuration (key order ignored). */
export function sameLabOptions(a: LabOptions | undefined, b: LabOptions): boolean {
  return a !== undefined && JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
}
