// The per-example losses behind the paper's context-critical filter (§4): for each finetuning example, the
// mean per-token loss of its target with its context and without it, from one (base) checkpoint, on the
// same backend as the benchmark. Batched; resumable (appends whole lines and skips examples already done).
import { mkdir, rm } from 'node:fs/promises';
import { STANFORD_ALPACA_PROMPT, exampleHash, lossRequests, lossTemplate, readExamples, type DataFormat, type Example, type LossRecord, type TargetLoss } from '@cpi-bench/mitigations';
import { CpiError, appendJsonl, pathExists, readJsonl, toJsonl, writeFileAtomic } from '@cpi-bench/schemas';
import { loadOnnxModel } from './backend/onnx.ts';
import type { DeviceChoice, LanguageModel, ScoreRequest, ScoreResult } from './backend/types.ts';
import { loadCheckpointSeries, type ResolvedCheckpoint } from './io/checkpoints.ts';
import { acquireRunLock } from './io/lock.ts';

export interface LossesOptions {
  /** One checkpoint folder: the base model the finetuning starts from (README "Choosing the base"). */
  checkpoint: string;
  /** Finetuning data: Alpaca, chat or ShareGPT, JSON array or JSONL. */
  data: string;
  /** JSONL of LossRecords, appended to. */
  out: string;
  /** Examples per inference call (each gives up to two sequences). @default 8 */
  batchSize?: number | undefined;
  /** @default 'auto' */
  device?: DeviceChoice | undefined;
  threads?: number | undefined;
  /** @default 'auto' */
  format?: DataFormat | 'auto' | undefined;
  /**
   * The prompt form the targets are scored in: Stanford Alpaca's training prompt, or a generator template
   * (`plain`, `alpaca`, `tulu`, ...) for data finetuned in that form. @default 'stanford-alpaca'
   */
  template?: string | undefined;
  /** Told after each batch. */
  onProgress?: ((done: number) => void) | undefined;
  onNotice?: ((message: string) => void) | undefined;
}

export interface LossesSummary {
  out: string;
  examples: number;
  computed: number;
  cached: number;
  failed: number;
  device: 'cpu' | 'cuda' | null;
  seconds: number;
}

const targetLoss = (r: ScoreResult): TargetLoss | { code: string; message: string } =>
  r.ok ? { loss: -r.logprob / r.tokenCount, tokens: r.tokenCount } : r.error;

/** The LossRecord of one example from its scored requests (with context first when there is one). */
function toRecord(example: Example, hash: string, model: string, template: string, results: readonly ScoreResult[], hasContext: boolean): LossRecord {
  const base = { schemaVersion: 1 as const, index: example.index, hash, model, ...(template === STANFORD_ALPACA_PROMPT ? {} : { template }) };
  const losses = results.map(targetLoss);
  const failed = losses.find((l): l is { code: string; message: string } => !('loss' in l));
  if (failed) return { ...base, ok: false, error: failed };
  const [first, second] = losses as TargetLoss[];
  return hasContext ? { ...base, ok: true, withContext: first as TargetLoss, withoutContext: second as TargetLoss } : { ...base, ok: true, withContext: null, withoutContext: first as TargetLoss };
}

/** The indices `out` already holds, checked against this model (a torn last line is removed). */
async function alreadyDone(out: string, model: string, template: string): Promise<Map<number, string>> {
  const done = new Map<number, string>();
  if (!(await pathExists(out))) return done;
  const read = await readJsonl(out, { onInvalid: 'skip' });
  // A torn tail (a run cut mid-write) must not glue itself to the next appended line: drop it, atomically.
  if (read.tornLastLine) await writeFileAtomic(out, toJsonl(read.records.map((r) => r.value)));
  for (const { value, line } of read.records) {
    const r = value as Partial<LossRecord>;
    if (typeof r.index !== 'number' || typeof r.hash !== 'string') continue;
    if (r.model !== model) {
      throw new CpiError('CPI_LOSSES_OTHER_CHECKPOINT', `${out} holds losses from another checkpoint (line ${line}); a losses file is for one base model`, {
        file: out, line, hint: 'write the losses of this checkpoint to a new --out file',
      });
    }
    if ((r.template ?? STANFORD_ALPACA_PROMPT) !== template) {
      throw new CpiError('CPI_LOSSES_OTHER_TEMPLATE', `${out} holds losses scored in the ${r.template ?? STANFORD_ALPACA_PROMPT} prompt form (line ${line}), not ${template}; one losses file is for one prompt form`, {
        file: out, line, hint: 'write the losses of this --template to a new --out file',
      });
    }
    done.set(r.index, r.hash);
  }
  return done;
}

/**
 * Computes the losses of every example in `data` that `out` does not have yet, and appends them.
 * @example await computeLosses({ checkpoint: 'models/base', data: 'alpaca_data.json', out: 'losses.jsonl' })
 */
export async function computeLosses(options: LossesOptions): Promise<LossesSummary> {
  const started = Date.now();
  const checkpoints = await loadCheckpointSeries(options.checkpoint);
  if (checkpoints.length !== 1) {
    throw new CpiError('CPI_LOSSES_ONE_CHECKPOINT', `${options.checkpoint} holds ${checkpoints.length} checkpoints; losses come from one (the base model)`, {
      hint: 'pass the folder of the checkpoint the finetuning starts from',
    });
  }
  const checkpoint = checkpoints[0]!;
  const model = checkpoint.manifest.modelHash;
  const template = options.template ?? STANFORD_ALPACA_PROMPT;
  // An unknown or chat template is refused before the lock and the model are taken.
  if (template !== STANFORD_ALPACA_PROMPT) lossTemplate(template);
  // One writer per losses file: a second run on the same --out would interleave or cut its lines. The
  // run lock lives in a folder of its own beside the file, so other files in that folder stay free.
  const lockDir = `${options.out}.lock`;
  await mkdir(lockDir, { recursive: true });
  const lock = await acquireRunLock(lockDir);
  try {
    return await computeLocked(options, checkpoint, model, template, started);
  } finally {
    await lock.release();
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function computeLocked(options: LossesOptions, checkpoint: ResolvedCheckpoint, model: string, template: string, started: number): Promise<LossesSummary> {
  // Always resumes: the examples `out` already has are skipped (to recompute, write to a new file).
  const done = await alreadyDone(options.out, model, template);
  const batchSize = options.batchSize ?? 8;
  let lm: LanguageModel | undefined;
  const summary: LossesSummary = { out: options.out, examples: 0, computed: 0, cached: 0, failed: 0, device: null, seconds: 0 };
  let batch: { example: Example; hash: string; requests: ScoreRequest[]; hasContext: boolean }[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    lm ??= await loadOnnxModel(checkpoint.files, { device: options.device ?? 'auto', threads: options.threads, onNotice: options.onNotice });
    summary.device = lm.device;
    const results = await lm.scoreContinuations(batch.flatMap((b) => b.requests), { batchSize: 2 * batchSize });
    let at = 0;
    const records = batch.map((b) => {
      const record = toRecord(b.example, b.hash, model, template, results.slice(at, (at += b.requests.length)), b.hasContext);
      if (!record.ok) summary.failed++;
      return record;
    });
    await appendJsonl(options.out, records);
    summary.computed += records.length;
    batch = [];
    options.onProgress?.(summary.computed + summary.cached);
  };

  // Known once the first example is read ('auto' takes its format).
  let format: DataFormat = options.format === undefined || options.format === 'auto' ? 'alpaca' : options.format;
  try {
    for await (const example of readExamples(options.data, { format: options.format ?? 'auto', onFormat: (f) => (format = f) })) {
      summary.examples++;
      const hash = exampleHash(example.record);
      const previous = done.get(example.index);
      if (previous !== undefined) {
        if (previous !== hash) {
          throw new CpiError('CPI_LOSSES_OTHER_DATA', `${options.out} holds losses for another example ${example.index}; it was computed for other data`, {
            file: options.data, ...(example.line !== undefined ? { line: example.line } : {}), hint: 'write the losses of this data to a new --out file',
          });
        }
        summary.cached++;
        continue;
      }
      const { withContext, withoutContext } = lossRequests(example.record, format, template);
      batch.push({ example, hash, requests: withContext ? [withContext, withoutContext] : [withoutContext], hasContext: withContext !== undefined });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await lm?.dispose();
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}
