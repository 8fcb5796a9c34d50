// Samples a person can read (lm-evaluation-harness's --log_samples): one row per item and checkpoint, with
// what a reader needs to judge it: the prompt's id (its text is in the run's prompts.jsonl), the output,
// both answers and their aliases, every scorer's label and the log-probabilities. Pure: records in, rows out.
import type { ConflictItem, PredictionRecord } from '@cpi-bench/schemas';
import { LABELS, scoreRun, type ScoredRun } from './scoring.ts';
import type { Label, ScoringOptions } from './scorers/types.ts';

/** One item at one checkpoint, both modes joined. */
export interface SampleRow {
  itemId: string;
  dataset: string;
  category: string;
  split: string;
  variant?: string;
  /** The substitution strategy that made the conflict ("none" for items without one). */
  strategy: string;
  step: number;
  /** The rendered prompt's id in prompts.jsonl (shared across checkpoints that render it alike). */
  promptId?: string;
  contextAnswer?: string;
  parametricAnswer?: string;
  contextAliases?: string[];
  parametricAliases?: string[];
  /** Generate mode: the greedy output. */
  output?: string;
  stopReason?: string;
  /** Score mode: the log-probability of each candidate answer (aliases included). */
  logprobs?: { role: 'context' | 'parametric'; text: string; logprob: number; tokenCount?: number; isAlias?: boolean }[];
  /** M_C = p(ctx) / (p(ctx) + p(par)), where log-probabilities exist. */
  mc?: number;
  /** Each scorer's verdict (null: it has none for this item, e.g. a failed record). */
  labels: Record<string, Label | null>;
  /** Failed records' error codes, by mode. */
  errors?: Partial<Record<'score' | 'generate', string>>;
}

/** The latest record per item, step and mode (a resumed run appends retries; the last one counts). */
function latestRecords(records: readonly PredictionRecord[]): Map<string, PredictionRecord> {
  const out = new Map<string, PredictionRecord>();
  for (const r of records) out.set(`${r.itemId}\0${r.step}\0${r.mode}`, r);
  return out;
}

/** The label of one scorer for item `i` at `step`, or null. */
export function labelAt(scored: ScoredRun, scorerId: string, step: number, i: number): Label | null {
  const code = scored.byScorer.get(scorerId)?.get(step)?.label[i] ?? 0;
  return code === 0 ? null : LABELS[code - 1]!;
}

/**
 * Every sample row of a run, step by step in item order. `scored` may be passed when the caller has it
 * (the report does), else the records are scored here.
 */
export function* sampleRows(items: readonly ConflictItem[], records: readonly PredictionRecord[], options: ScoringOptions & { scored?: ScoredRun } = {}): Generator<SampleRow> {
  const scored = options.scored ?? scoreRun(items, records, options);
  const latest = latestRecords(records);
  const scorerIds = [...scored.byScorer.keys()];
  for (const step of scored.steps) {
    for (const [i, p] of scored.items.entries()) {
      const item = p.item;
      const score = latest.get(`${item.id}\0${step}\0score`);
      const gen = latest.get(`${item.id}\0${step}\0generate`);
      if (!score && !gen) continue;
      const row: SampleRow = {
        itemId: item.id, dataset: item.dataset, category: item.category, split: item.split,
        ...(item.variant !== undefined ? { variant: item.variant } : {}),
        strategy: item.substitution?.strategy ?? 'none',
        step,
      } as SampleRow;
      const promptId = gen?.promptId ?? score?.promptId;
      if (promptId !== undefined) row.promptId = promptId;
      if (item.contextAnswer !== undefined) row.contextAnswer = item.contextAnswer;
      if (item.parametricAnswer !== undefined) row.parametricAnswer = item.parametricAnswer;
      if (item.contextAliases?.length) row.contextAliases = [...item.contextAliases];
      if (item.parametricAliases?.length) row.parametricAliases = [...item.parametricAliases];
      if (gen?.ok && gen.generation) {
        row.output = gen.generation.text;
        if (gen.generation.stopReason !== undefined) row.stopReason = gen.generation.stopReason;
      }
      if (score?.ok && score.candidates) {
        row.logprobs = score.candidates.map((c) => ({ role: c.role, text: c.text, logprob: c.logprob, ...(c.tokenCount !== undefined ? { tokenCount: c.tokenCount } : {}), ...(c.isAlias ? { isAlias: true } : {}) }));
      }
      const mc = scored.byScorer.get('logprob')?.get(step)?.mc[i];
      if (mc !== undefined && !Number.isNaN(mc)) row.mc = mc;
      row.labels = {};
      for (const id of scorerIds) row.labels[id] = labelAt(scored, id, step, i);
      const errors: SampleRow['errors'] = {};
      if (score && !score.ok) errors.score = score.error?.code ?? 'CPI_UNKNOWN';
      if (gen && !gen.ok) errors.generate = gen.error?.code ?? 'CPI_UNKNOWN';
      if (errors.score || errors.generate) row.errors = errors;
      yield row;
    }
  }
}
