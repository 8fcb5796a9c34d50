// Scores every prediction record once, per scorer, into compact per-step arrays indexed by item. The
// per-checkpoint rates, the known-facts filter and the paired tests all read these arrays.
import type { ConflictItem, PredictionRecord } from '@cpi-bench/schemas';
import { prepareItem } from './scorers/prepare.ts';
import { scorers as registeredScorers } from './scorers/registry.ts';
import type { Label, PreparedItem, Scorer, ScoringInput, ScoringOptions } from './scorers/types.ts';
import { normalizeText } from './text.ts';

/** Label codes in the per-item arrays; 0 means "no verdict". */
export const LABELS: readonly Label[] = ['CTX', 'PAR', 'BOTH', 'OTHER', 'EMPTY', 'AMBIG'];
const LABEL_CODE: Readonly<Record<Label, number>> = { CTX: 1, PAR: 2, BOTH: 3, OTHER: 4, EMPTY: 5, AMBIG: 6 };
export const CODE = LABEL_CODE;
export const CTX_BIT = 1;
export const PAR_BIT = 2;

/** One scorer's verdicts at one step, indexed like `ScoredRun.items`. */
export interface StepScores {
  /** Label code (see LABELS, 1-based), 0 where the item has no verdict. */
  label: Uint8Array;
  /** CTX_BIT | PAR_BIT: the independent hits. */
  hits: Uint8Array;
  /** M_C, NaN where there is none. */
  mc: Float64Array;
  /** 1 where the item's record failed (ok: false). */
  error: Uint8Array;
}

export interface ScoredRun {
  items: PreparedItem[];
  itemIndex: Map<string, number>;
  /** Steps present in the records, ascending. */
  steps: number[];
  modelHashByStep: Map<number, string>;
  /** scorer id -> step -> verdicts; only scorers whose mode has records. */
  byScorer: Map<string, Map<number, StepScores>>;
  /** Records whose item is not among the items (left out). */
  unmatchedRecords: number;
}

const NORMALIZED_CACHE_SIZE = 100_000;
const NO_TEXT = { normalizedText: '', paddedText: '  ' };

function emptyStep(size: number): StepScores {
  return { label: new Uint8Array(size), hits: new Uint8Array(size), mc: new Float64Array(size).fill(Number.NaN), error: new Uint8Array(size) };
}

/**
 * Runs every registered scorer over the records. Later records for the same item, step and mode replace
 * earlier ones (a resumed run appends its retries). Failed records are counted as errors, never scored.
 */
export function scoreRun(items: readonly ConflictItem[], records: readonly PredictionRecord[], options: ScoringOptions & { scorers?: readonly Scorer[] } = {}): ScoredRun {
  const prepared = items.map(prepareItem);
  const itemIndex = new Map<string, number>();
  prepared.forEach((p, i) => itemIndex.set(p.item.id, i));
  const scorerList = options.scorers ?? registeredScorers;
  const byScorer = new Map<string, Map<number, StepScores>>();
  const modelHashByStep = new Map<number, string>();
  let unmatchedRecords = 0;
  // A model repeats itself across checkpoints (the same answer to the same question), so normalising each
  // distinct output once saves most of the work. Bounded, so a run of all-distinct outputs stays flat.
  const normalized = new Map<string, { normalizedText: string; paddedText: string }>();
  // The scorers of a mode and their arrays at one step. Records arrive checkpoint by checkpoint, so the
  // last step's slots are kept at hand instead of looked up per record.
  type Slot = { scorer: Scorer; scores: StepScores };
  const last: Record<'generate' | 'score', { step: number; slots: Slot[] }> = { generate: { step: -1, slots: [] }, score: { step: -1, slots: [] } };
  const slotsFor = (mode: 'generate' | 'score', step: number): Slot[] => {
    const cached = last[mode];
    if (cached.step === step) return cached.slots;
    const slots = scorerList.filter((sc) => sc.mode === mode).map((scorer) => {
      let perStep = byScorer.get(scorer.id);
      if (!perStep) byScorer.set(scorer.id, (perStep = new Map()));
      let scores = perStep.get(step);
      if (!scores) perStep.set(step, (scores = emptyStep(prepared.length)));
      return { scorer, scores };
    });
    last[mode] = { step, slots };
    return slots;
  };
  let input: ScoringInput | undefined;
  for (const record of records) {
    const idx = itemIndex.get(record.itemId);
    if (idx === undefined) {
      unmatchedRecords++;
      continue;
    }
    if (!modelHashByStep.has(record.step)) modelHashByStep.set(record.step, record.modelHash);
    let text = NO_TEXT;
    if (record.mode === 'generate' && record.ok) {
      const raw = record.generation?.text ?? '';
      const cached = normalized.get(raw);
      if (cached !== undefined) text = cached;
      else {
        const n = normalizeText(raw);
        text = { normalizedText: n, paddedText: ` ${n} ` };
        if (normalized.size >= NORMALIZED_CACHE_SIZE) normalized.clear();
        normalized.set(raw, text);
      }
    }
    const slots = slotsFor(record.mode, record.step);
    // One input object, refilled per record (scorers must not keep it): a million records allocate nothing.
    if (input === undefined) input = { prepared: prepared[idx]!, record, normalizedText: text.normalizedText, paddedText: text.paddedText };
    else {
      input.prepared = prepared[idx]!;
      input.record = record;
      input.normalizedText = text.normalizedText;
      input.paddedText = text.paddedText;
    }
    for (let k = 0; k < slots.length; k++) {
      const { scorer, scores: s } = slots[k]!;
      if (!record.ok) {
        s.error[idx] = 1;
        s.label[idx] = 0;
        s.hits[idx] = 0;
        s.mc[idx] = Number.NaN;
        continue;
      }
      // Answers no scorer can tell apart ("Same." / "same.") give no verdict: the item is left out of the rates.
      const verdict = prepared[idx]!.indistinct ? null : scorer.score(input, options);
      s.error[idx] = 0;
      if (!verdict) {
        s.label[idx] = 0;
        continue;
      }
      s.label[idx] = LABEL_CODE[verdict.label];
      s.hits[idx] = (verdict.ctx ? CTX_BIT : 0) | (verdict.par ? PAR_BIT : 0);
      s.mc[idx] = verdict.mc ?? Number.NaN;
    }
  }
  const steps = [...modelHashByStep.keys()].sort((a, b) => a - b);
  return { items: prepared, itemIndex, steps, modelHashByStep, byScorer, unmatchedRecords };
}

/**
 * The split an item is reported under: its variant where it has one (conflict_mp, conflict_absurd), so a
 * labelled variant gets its own rates and never enters the headline conflict rate, else its split.
 */
export function reportingSplit(item: ConflictItem): string {
  return item.variant ?? item.split;
}

/**
 * The "known facts" filter of one scorer: conflict items whose closed-book twin (same dataset and groupId)
 * the first checkpoint answered with the parametric answer. A conflict with a fact the model never knew
 * is no conflict. Returns null when no closed-book probe was scored.
 */
export function knownFactsMask(run: ScoredRun, scorerId: string): Uint8Array | null {
  const perStep = run.byScorer.get(scorerId);
  if (!perStep) return null;
  const first = run.steps.find((s) => perStep.has(s));
  if (first === undefined) return null;
  const scores = perStep.get(first)!;
  const probeKnown = new Map<string, boolean>();
  run.items.forEach((p, i) => {
    if (p.item.split !== 'closed_book' || p.item.groupId === undefined || scores.label[i] === 0) return;
    probeKnown.set(`${p.item.dataset}\u0000${p.item.groupId}`, (scores.hits[i]! & PAR_BIT) !== 0);
  });
  if (probeKnown.size === 0) return null;
  const mask = new Uint8Array(run.items.length);
  run.items.forEach((p, i) => {
    if (reportingSplit(p.item) === 'conflict' && p.item.groupId !== undefined && probeKnown.get(`${p.item.dataset}\u0000${p.item.groupId}`) === true) mask[i] = 1;
  });
  return mask;
}
