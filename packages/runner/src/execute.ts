// Executes planned jobs on a loaded model: requests in, validated PredictionRecords out, nothing about
// files. One bad item fails alone: when a batch fails as a whole, its items are retried one by one.
import { isCpiError, validate, type CheckpointManifest, type PredictionRecord } from '@cpi-bench/schemas';
import type { LanguageModel, ScoreRequest } from './backend/types.ts';
import type { GenerationSettings, Job } from './plan.ts';
import { failedRecord, generateRecord, scoreRecord, type RecordBase } from './records.ts';

/** Who computes: the checkpoint and the template id recorded in every record. */
export interface ExecutionContext {
  step: number;
  modelHash: string;
  tokenizerHash: string;
  template: string;
  batchSize: number;
  generation: GenerationSettings;
  /** 1-based attempt number of each job (a failure stored earlier is retried as attempt 2, 3, …). */
  attemptOf: (key: string) => number;
}

/** The context of one checkpoint's jobs; a stored failure's key is retried as its next attempt. */
export function executionContext(
  manifest: Pick<CheckpointManifest, 'step' | 'modelHash' | 'tokenizerHash'>,
  template: string,
  batchSize: number,
  generation: GenerationSettings,
  store: { failedAttempts(key: string): number },
): ExecutionContext {
  return { step: manifest.step, modelHash: manifest.modelHash, tokenizerHash: manifest.tokenizerHash, template, batchSize, generation, attemptOf: (key) => store.failedAttempts(key) + 1 };
}

/** A thrown error as a record's error: its own code when coded, else `fallback`. */
export function itemError(error: unknown, fallback: `CPI_${string}` = 'CPI_INFERENCE_FAILED'): { code: `CPI_${string}`; message: string } {
  if (isCpiError(error)) return { code: error.code, message: error.message };
  return { code: fallback, message: (error as Error)?.message ?? String(error) };
}

/** Predicts one chunk of jobs (all of one mode) and returns one record per job, in order. */
export async function predictChunk(model: LanguageModel, ctx: ExecutionContext, mode: 'score' | 'generate', chunk: readonly Job[]): Promise<PredictionRecord[]> {
  const t0 = Date.now();
  const base = (job: Job, ms: number): RecordBase => ({
    key: job.key,
    item: job.item,
    step: ctx.step,
    modelHash: ctx.modelHash,
    tokenizerHash: ctx.tokenizerHash,
    mode,
    template: ctx.template,
    durationMs: ms,
    attempt: ctx.attemptOf(job.key),
    ...(job.promptId !== undefined ? { promptId: job.promptId } : {}),
  });
  const records: (PredictionRecord | undefined)[] = new Array(chunk.length);
  const runnable: { index: number; prompt: string }[] = [];
  const addSpecialTokens = chunk.every((job) => !('addSpecialTokens' in job.request) || job.request.addSpecialTokens);
  chunk.forEach((job, index) => {
    const r = job.request;
    if (r.prompt === null) records[index] = failedRecord(base(job, 0), { code: 'CPI_PROMPT_RENDER_FAILED', message: 'renderError' in r ? r.renderError : 'no prompt' });
    else runnable.push({ index, prompt: r.prompt });
  });
  const run = async (subset: typeof runnable): Promise<void> => {
    if (mode === 'score') {
      const requests: ScoreRequest[] = [];
      const spans = subset.map(({ index, prompt }) => {
        const job = chunk[index]!;
        const continuations = 'continuations' in job.request ? job.request.continuations : [];
        const start = requests.length;
        for (const continuation of continuations) requests.push({ prompt, continuation });
        return { index, start, count: continuations.length };
      });
      const results = await model.scoreContinuations(requests, { batchSize: ctx.batchSize, addSpecialTokens });
      const ms = (Date.now() - t0) / Math.max(1, subset.length);
      for (const s of spans) {
        const job = chunk[s.index]!;
        records[s.index] = scoreRecord(base(job, ms), job.candidates, results.slice(s.start, s.start + s.count));
      }
    } else {
      const results = await model.generate(
        subset.map((p) => p.prompt),
        { maxNewTokens: ctx.generation.maxNewTokens, stop: ctx.generation.stop, batchSize: ctx.batchSize, addSpecialTokens },
      );
      const ms = (Date.now() - t0) / Math.max(1, subset.length);
      subset.forEach((p, i) => (records[p.index] = generateRecord(base(chunk[p.index]!, ms), results[i]!)));
    }
  };
  try {
    if (runnable.length > 0) await run(runnable);
  } catch (error) {
    if (runnable.length <= 1) {
      for (const p of runnable) records[p.index] = failedRecord(base(chunk[p.index]!, Date.now() - t0), itemError(error));
    } else {
      for (const p of runnable) {
        try {
          await run([p]);
        } catch (inner) {
          records[p.index] = failedRecord(base(chunk[p.index]!, 0), itemError(inner));
        }
      }
    }
  }
  return records.map((r) => validate('predictionRecord', r));
}
