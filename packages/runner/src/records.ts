// Pure translation between items and model requests/records: which candidate answers an item is scored
// on, and how a backend result becomes a PredictionRecord.
import { SCHEMA_VERSION, type ConflictItem, type PredictionRecord } from '@cpi-bench/schemas';
import type { GenerateResult, ItemFailure, ScoreResult } from './backend/types.ts';

export interface Candidate {
  role: 'context' | 'parametric';
  text: string;
  isAlias: boolean;
}

/** The answers an item is scored on: the context answer, the parametric answer, then their aliases. */
export function candidatesOf(item: ConflictItem): Candidate[] {
  const out: Candidate[] = [];
  if (item.contextAnswer) out.push({ role: 'context', text: item.contextAnswer, isAlias: false });
  if (item.parametricAnswer) out.push({ role: 'parametric', text: item.parametricAnswer, isAlias: false });
  for (const text of item.contextAliases ?? []) out.push({ role: 'context', text, isAlias: true });
  for (const text of item.parametricAliases ?? []) out.push({ role: 'parametric', text, isAlias: true });
  return out;
}

/** The continuation scored for an answer: the prompt ends where the answer begins, so a space leads. */
export function continuationOf(answer: string): string {
  return ' ' + answer;
}

/** What every record of one item at one checkpoint in one mode shares. */
export interface RecordBase {
  key: string;
  item: ConflictItem;
  step: number;
  modelHash: string;
  tokenizerHash: string;
  mode: 'score' | 'generate';
  template: string;
  durationMs: number;
  /** 1-based attempt at this key; stored only from 2 on (a retried failure). @default 1 */
  attempt?: number;
  /** The rendered prompt's id in prompts.jsonl. */
  promptId?: string;
}

function head(b: RecordBase): Omit<PredictionRecord, 'ok'> {
  return {
    schemaVersion: SCHEMA_VERSION,
    key: b.key,
    itemId: b.item.id,
    dataset: b.item.dataset,
    category: b.item.category,
    split: b.item.split,
    ...(b.item.groupId !== undefined ? { groupId: b.item.groupId } : {}),
    step: b.step,
    modelHash: b.modelHash,
    tokenizerHash: b.tokenizerHash,
    mode: b.mode,
    template: b.template,
    ...(b.promptId !== undefined ? { promptId: b.promptId } : {}),
    durationMs: Math.max(0, b.durationMs),
    ...(b.attempt !== undefined && b.attempt > 1 ? { attempt: b.attempt } : {}),
  } as Omit<PredictionRecord, 'ok'>;
}

/** A failed item: the error is data in its record. */
export function failedRecord(b: RecordBase, error: ItemFailure['error']): PredictionRecord {
  return { ...head(b), ok: false, error } as PredictionRecord;
}

/** A score-mode record from the item's candidates and their results (in the same order). */
export function scoreRecord(b: RecordBase, candidates: readonly Candidate[], results: readonly ScoreResult[]): PredictionRecord {
  if (candidates.length === 0) return failedRecord(b, { code: 'CPI_NO_ANSWERS', message: 'the item has neither a context nor a parametric answer' });
  const failed = results.find((r): r is ItemFailure => !r.ok);
  if (failed) return failedRecord(b, failed.error);
  return {
    ...head(b),
    ok: true,
    candidates: candidates.map((c, i) => {
      const r = results[i] as Extract<ScoreResult, { ok: true }>;
      return { role: c.role, text: c.text, ...(c.isAlias ? { isAlias: true } : {}), logprob: r.logprob, tokenCount: r.tokenCount, greedy: r.greedy };
    }),
  } as PredictionRecord;
}

/** A generate-mode record. */
export function generateRecord(b: RecordBase, result: GenerateResult): PredictionRecord {
  if (!result.ok) return failedRecord(b, result.error);
  return { ...head(b), ok: true, generation: { text: result.text, tokenCount: result.tokenCount, stopReason: result.stopReason } } as PredictionRecord;
}

/**
 * The first `limit` items, taken round-robin across (dataset, split) groups so a small slice still covers
 * every dataset and split. Deterministic: groups and items keep their file order.
 */
export function sliceItems(items: readonly ConflictItem[], limit: number | undefined): ConflictItem[] {
  if (limit === undefined || limit >= items.length) return [...items];
  const groups = new Map<string, ConflictItem[]>();
  for (const item of items) {
    const k = `${item.dataset}\0${item.split}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(item);
  }
  const lists = [...groups.values()];
  const out: ConflictItem[] = [];
  for (let i = 0; out.length < limit; i++) {
    for (const g of lists) {
      const item = g[i];
      if (item && out.length < limit) out.push(item);
    }
  }
  return out;
}
