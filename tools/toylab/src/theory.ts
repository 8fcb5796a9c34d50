// The paper's §5 one-layer model of context-parametric inversion, simulated exactly: one attention head
// over [context, subject, relation] embeddings, a trainable key-query matrix, frozen (or optionally
// trainable) values, full-batch gradient descent. Pure and deterministic: it is the lab's unit test of the
// mechanism and runs in well under a second.
import { CpiError } from '@cpi-bench/schemas';
import { createRng } from './rng.ts';

/** Settings of the theoretical model; every field has a default (see DEFAULT_THEORY_OPTIONS). */
export interface TheoryOptions {
  /** Context-critical (C) training points: unknown subject, the answer is only in the context. @default 100 */
  contextCritical: number;
  /** Non-context-critical (C+S) training points: known subject whose memorised fact agrees with the context. @default 100 */
  nonContextCritical: number;
  /** Held-out conflict points (known subject, context naming another answer) on which reliance is measured. @default 100 */
  testPoints: number;
  /** Size of the answer vocabulary K_A. @default 20 */
  answers: number;
  /** Probability the context token's value alone gives its answer (δ_C; the paper needs δ_C > 3/(K_A-1)). @default 0.3 */
  deltaC: number;
  /** Probability a known subject's value alone gives its fact (δ_M; the paper needs δ_M > 2 δ_C). @default 0.75 */
  deltaM: number;
  /** Full-batch gradient-descent learning rate on the key-query matrix. @default 8 */
  lr: number;
  /** Gradient steps. @default 100 */
  steps: number;
  /** Also train the value matrix (the paper's Prop. 3 route: subjects become predictive of C answers). @default false */
  trainValues: boolean;
  /** Learning rate of the value matrix when `trainValues` is on. @default 0.5 */
  valueLr: number;
  /** Seed for the answers and the subject/context assignment. @default 0 */
  seed: number;
}

export const DEFAULT_THEORY_OPTIONS: Readonly<TheoryOptions> = {
  contextCritical: 100,
  nonContextCritical: 100,
  testPoints: 100,
  answers: 20,
  deltaC: 0.3,
  deltaM: 0.75,
  lr: 8,
  steps: 100,
  trainValues: false,
  valueLr: 0.5,
  seed: 0,
};

/** One gradient step's measurements. Step 0 is the initial model. */
export interface TheoryPoint {
  step: number;
  /** Mean attention weight the last position puts on the context token, over held-out conflict points. */
  contextAttention: number;
  /** Mean M_C = p(context answer) / (p(context answer) + p(parametric answer)) over held-out conflict points. */
  contextRatio: number;
  /** Fraction of held-out conflict points whose argmax is the context answer. */
  contextAccuracy: number;
  /** Mean training loss (NLL of the answer). */
  trainLoss: number;
  /** Key-query weight along the shared context direction θ_C. */
  weightContext: number;
  /** Key-query weight along the shared subject direction θ_S. */
  weightSubject: number;
}

export interface TheoryResult {
  options: TheoryOptions;
  points: TheoryPoint[];
  /** Step of the highest M_C, its value, the final value, and whether it fell by more than `minDrop` after the peak. */
  summary: { peakStep: number; peakContextRatio: number; finalContextRatio: number; drop: number; peakAttention: number; finalAttention: number; inverted: boolean };
}

/** A sparse embedding: the unit-norm sum of a few orthonormal directions. */
type Sparse = readonly (readonly [index: number, value: number])[];
interface Example { tokens: readonly Sparse[]; answer: number; other: number }

const HALF = Math.SQRT1_2;
/** A drop of M_C below its peak that counts as a fall rather than noise (the model is exact, so this is small). */
const MIN_DROP = 0.01;
/** Initial key-query weight on the relation direction: keeps the relation token's attention near zero, as the paper's initial state assumes. */
const RELATION_BIAS = -20;

/** Merges `overrides` into the defaults and checks the paper's preconditions on them. */
export function resolveTheoryOptions(overrides: Partial<TheoryOptions> = {}): TheoryOptions {
  const o: TheoryOptions = { ...DEFAULT_THEORY_OPTIONS };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) (o as unknown as Record<string, unknown>)[key] = value;
  const bad = (field: string, why: string): never => {
    throw new CpiError('CPI_TOYLAB_BAD_OPTION', `theory option ${field} ${why}`, { pointer: `/${field}` });
  };
  if (!Number.isInteger(o.answers) || o.answers < 3) bad('answers', 'must be an integer >= 3');
  for (const f of ['contextCritical', 'nonContextCritical', 'testPoints', 'steps'] as const) {
    if (!Number.isInteger(o[f]) || o[f] < 0) bad(f, 'must be a non-negative integer');
  }
  if (o.contextCritical + o.nonContextCritical === 0) bad('contextCritical', 'and nonContextCritical cannot both be 0');
  if (o.testPoints === 0) bad('testPoints', 'must be at least 1');
  for (const f of ['deltaC', 'deltaM'] as const) if (!(o[f] > 1 / o.answers && o[f] < 1)) bad(f, `must lie in (1/answers, 1)`);
  if (!(o.lr > 0) || !(o.valueLr >= 0)) bad('lr', 'must be positive');
  return o;
}

/** Logit that gives probability `p` to one answer out of `k` when the others are 0 (inverse of the softmax). */
function logitFor(p: number, k: number): number {
  return Math.log((p * (k - 1)) / (1 - p));
}

/**
 * Trains the one-layer model on a C / C+S mix and measures context reliance on held-out conflict points
 * after every step.
 * @example const { summary } = runTheory({ contextCritical: 100, nonContextCritical: 100 }); summary.inverted
 */
export function runTheory(overrides: Partial<TheoryOptions> = {}): TheoryResult {
  const o = resolveTheoryOptions(overrides);
  const rng = createRng(o.seed);
  const K = o.answers;
  // Orthonormal directions: θ_C, θ_S, r, one per context token, one per subject token.
  const THETA_C = 0, THETA_S = 1, REL = 2;
  let next = 3;
  const nContexts = o.contextCritical + o.nonContextCritical + o.testPoints;
  const contextBase = next; next += nContexts;
  const unknownBase = next; next += o.contextCritical;
  const knownBase = next; next += o.nonContextCritical + o.testPoints;
  const dim = next;

  // U maps an embedding to answer logits (W_H^T W_V in the paper, W_H frozen). Values as the paper states
  // them: a context token's value puts δ_C on its answer, a known subject's value puts δ_M on its fact,
  // an unknown subject's value is uniform, θ_C, θ_S and r carry no answer.
  const U = new Float64Array(K * dim);
  const alphaC = logitFor(o.deltaC, K) / HALF;
  const alphaM = logitFor(o.deltaM, K) / HALF;
  const ctx = (i: number): Sparse => [[contextBase + i, HALF], [THETA_C, HALF]];
  const subj = (index: number): Sparse => [[index, HALF], [THETA_S, HALF]];
  const rel: Sparse = [[REL, 1]];

  const train: Example[] = [];
  const test: Example[] = [];
  let c = 0;
  for (let i = 0; i < o.contextCritical; i++, c++) {
    const answer = rng.int(K);
    U[answer * dim + contextBase + c] = alphaC;
    train.push({ tokens: [ctx(c), subj(unknownBase + i), rel], answer, other: -1 });
  }
  for (let i = 0; i < o.nonContextCritical + o.testPoints; i++, c++) {
    const fact = rng.int(K);
    U[fact * dim + knownBase + i] = alphaM;
    if (i < o.nonContextCritical) {
      U[fact * dim + contextBase + c] = alphaC;
      train.push({ tokens: [ctx(c), subj(knownBase + i), rel], answer: fact, other: -1 });
    } else {
      const counterfactual = (fact + 1 + rng.int(K - 1)) % K;
      U[counterfactual * dim + contextBase + c] = alphaC;
      test.push({ tokens: [ctx(c), subj(knownBase + i), rel], answer: counterfactual, other: fact });
    }
  }

  // The query is always the relation token, so only w = W_KQ φ(r) matters: score(x) = φ(x)·w.
  const w = new Float64Array(dim);
  w[REL] = RELATION_BIAS;

  const forward = (ex: Example) => {
    const scores = ex.tokens.map((t) => t.reduce((s, [i, v]) => s + v * (w[i] as number), 0));
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - max));
    const z = e.reduce((a, b) => a + b, 0);
    const att = e.map((x) => x / z);
    const values = ex.tokens.map((t) => {
      const v = new Float64Array(K);
      for (let k = 0; k < K; k++) for (const [i, x] of t) v[k] = (v[k] as number) + (U[k * dim + i] as number) * x;
      return v;
    });
    const logits = new Float64Array(K);
    values.forEach((v, j) => { for (let k = 0; k < K; k++) logits[k] = (logits[k] as number) + (att[j] as number) * (v[k] as number); });
    const lmax = Math.max(...logits);
    const pe = Array.from(logits, (l) => Math.exp(l - lmax));
    const pz = pe.reduce((a, b) => a + b, 0);
    const probs = pe.map((x) => x / pz);
    return { att, values, probs };
  };

  const measure = (step: number, trainLoss: number): TheoryPoint => {
    let attention = 0, ratio = 0, correct = 0;
    for (const ex of test) {
      const { att, probs } = forward(ex);
      attention += att[0] as number;
      const pc = probs[ex.answer] as number, pp = probs[ex.other] as number;
      ratio += pc / (pc + pp);
      if (probs.indexOf(Math.max(...probs)) === ex.answer) correct++;
    }
    const n = test.length;
    return { step, contextAttention: attention / n, contextRatio: ratio / n, contextAccuracy: correct / n, trainLoss, weightContext: w[THETA_C] as number, weightSubject: w[THETA_S] as number };
  };

  const points: TheoryPoint[] = [];
  const gradW = new Float64Array(dim);
  const gradU = new Float64Array(K * dim);
  for (let step = 0; step <= o.steps; step++) {
    gradW.fill(0);
    gradU.fill(0);
    let loss = 0;
    for (const ex of train) {
      const { att, values, probs } = forward(ex);
      loss -= Math.log(Math.max(probs[ex.answer] as number, 1e-300));
      // dL/dlogits = p - onehot; dL/da_j = (p - y)·v_j; softmax backward to the scores.
      const dLogits = probs.map((p, k) => p - (k === ex.answer ? 1 : 0));
      const dAtt = values.map((v) => dLogits.reduce((s, d, k) => s + d * (v[k] as number), 0));
      const mean = dAtt.reduce((s, d, j) => s + d * (att[j] as number), 0);
      ex.tokens.forEach((t, j) => {
        const dScore = (att[j] as number) * ((dAtt[j] as number) - mean);
        for (const [i, x] of t) gradW[i] = (gradW[i] as number) + dScore * x;
        if (o.trainValues) for (let k = 0; k < K; k++) for (const [i, x] of t) gradU[k * dim + i] = (gradU[k * dim + i] as number) + (att[j] as number) * (dLogits[k] as number) * x;
      });
    }
    const n = train.length;
    points.push(measure(step, loss / n));
    if (step === o.steps) break;
    for (let i = 0; i < dim; i++) w[i] = (w[i] as number) - (o.lr * (gradW[i] as number)) / n;
    // Only the training tokens' value rows may move; θ_C/θ_S/r stay answer-free, as in the paper's Prop. 3.
    if (o.trainValues) for (let i = 0; i < K * dim; i++) if (i % dim >= 3) U[i] = (U[i] as number) - (o.valueLr * (gradU[i] as number)) / n;
  }
  return { options: o, points, summary: summarise(points) };
}

function summarise(points: readonly TheoryPoint[]): TheoryResult['summary'] {
  let peak = points[0] as TheoryPoint;
  for (const p of points) if (p.contextRatio > peak.contextRatio) peak = p;
  const first = points[0] as TheoryPoint;
  const last = points[points.length - 1] as TheoryPoint;
  const drop = peak.contextRatio - last.contextRatio;
  const peakAttention = Math.max(...points.map((p) => p.contextAttention));
  return {
    peakStep: peak.step, peakContextRatio: peak.contextRatio, finalContextRatio: last.contextRatio, drop,
    peakAttention, finalAttention: last.contextAttention,
    inverted: peak.contextRatio > first.contextRatio + MIN_DROP && drop > MIN_DROP,
  };
}
