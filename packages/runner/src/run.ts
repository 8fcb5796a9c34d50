// One benchmark run: validate every checkpoint and the dataset up front, then predict each item at each
// checkpoint in each mode, appending records as it goes, so a killed run resumes where it stopped.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { getPromptTemplate, readDataset, renderPrompt } from '@cpi-bench/generator';
import {
  CpiError,
  SCHEMA_VERSION,
  isCpiError,
  toJsonl,
  validate,
  writeFileAtomic,
  writeJsonAtomic,
  type CheckpointManifest,
  type ConflictItem,
  type PredictionRecord,
  type PromptTemplate,
  type RunConfig,
} from '@cpi-bench/schemas';
import { loadOnnxModel, type CheckpointFiles } from './backend/onnx.ts';
import type { LanguageModel, LoadModelOptions, ScoreRequest } from './backend/types.ts';
import { modesOf, type RunOptions } from './config.ts';
import { itemHash, predictionKey } from './keys.ts';
import { silentProgress, type ProgressSink } from './progress.ts';
import { candidatesOf, continuationOf, failedRecord, generateRecord, scoreRecord, sliceItems, type RecordBase } from './records.ts';
import { loadCheckpointSeries, type ResolvedCheckpoint } from './io/checkpoints.ts';
import { acquireRunLock } from './io/lock.ts';
import { collectProvenance } from './io/provenance.ts';
import { openPredictionStore } from './io/store.ts';

/** How one checkpoint went. */
export interface CheckpointSummary {
  step: number;
  path: string;
  modelHash: string;
  computed: number;
  cached: number;
  failed: number;
  seconds: number;
}

/** What a run did; `--json` prints this. */
export interface RunSummary {
  runDir: string;
  runId: string;
  label: string;
  items: number;
  modes: ('score' | 'generate')[];
  template: string;
  device: 'cpu' | 'cuda' | undefined;
  /** Jobs are items x modes x checkpoints. */
  jobs: { total: number; computed: number; cached: number; failed: number };
  checkpoints: CheckpointSummary[];
  seconds: number;
  /** Computed jobs per second of inference time. */
  itemsPerSecond: number;
  /** Records dropped on resume (torn, invalid or superseded lines). */
  droppedOnResume: number;
  files: { runConfig: string; items: string; predictions: string; checkpoints: string };
}

export interface RunDependencies {
  progress?: ProgressSink;
  /** Another backend implementing LanguageModel (the default is the ONNX one in backend/onnx.ts). */
  loadModel?: (files: CheckpointFiles, options: LoadModelOptions) => Promise<LanguageModel>;
}

interface Job {
  item: ConflictItem;
  key: string;
}

function renderOptions(cp: ResolvedCheckpoint): { chatTemplate?: string; bosToken?: string; eosToken?: string } {
  return {
    ...(cp.chatTemplate !== undefined ? { chatTemplate: cp.chatTemplate } : {}),
    ...(cp.bosToken !== undefined ? { bosToken: cp.bosToken } : {}),
    ...(cp.eosToken !== undefined ? { eosToken: cp.eosToken } : {}),
  };
}

function runIdFrom(out: string): string {
  const id = basename(out)
    .replace(/[^A-Za-z0-9_.:/-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  return id.slice(0, 200) || 'run';
}

async function previousConfig(file: string): Promise<RunConfig | undefined> {
  if (
    !(await stat(file).then(
      () => true,
      () => false,
    ))
  )
    return undefined;
  try {
    return validate('runConfig', JSON.parse(await readFile(file, 'utf8')), { file });
  } catch {
    return undefined; // an unreadable old config is replaced, the store still guards the records
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
}

/**
 * Runs every item at every checkpoint and stores the predictions in `options.out`.
 * @example await runBenchmark(resolveRunOptions({ checkpoints: 'series/', dataset: 'datasets/default', out: 'runs/x' }))
 */
export async function runBenchmark(options: RunOptions, deps: RunDependencies = {}): Promise<RunSummary> {
  const progress = deps.progress ?? silentProgress;
  const loadModel = deps.loadModel ?? loadOnnxModel;
  const started = Date.now();
  const template: PromptTemplate = getPromptTemplate(options.template);
  const runDir = resolve(options.out);
  await mkdir(runDir, { recursive: true });
  const lock = await acquireRunLock(runDir);
  if (lock.tookOverFrom !== undefined) progress.notice(`took over ${lock.file} from pid ${lock.tookOverFrom}, which is no longer running`);
  try {
    const checkpoints = await loadCheckpointSeries(options.checkpoints, { dtype: options.dtype });
    const dataset = await readDataset(options.dataset, options.splits ? { splits: [...options.splits] } : {});
    const items = sliceItems(dataset.items, options.limit);
    for (const cp of checkpoints) renderPrompt(template, items[0]!, renderOptions(cp)); // a chat template without one fails here, before any work
    const modes = modesOf(options.mode);
    const splits = options.splits ? [...options.splits] : [...new Set(items.map((i) => i.split))].sort();

    const configFile = join(runDir, 'run-config.json');
    const previous = await previousConfig(configFile);
    if (previous && options.resume) {
      const changed: string[] = [];
      if (previous.dataset.sha256 !== dataset.sha256) changed.push('the dataset');
      if (previous.template !== template.id) changed.push(`the template (${previous.template} -> ${template.id})`);
      if (previous.mode !== options.mode) changed.push(`the mode (${previous.mode} -> ${options.mode})`);
      if (!sameList(previous.splits, splits)) changed.push('the splits');
      if (changed.length > 0) {
        throw new CpiError('CPI_RUN_CONFIG_MISMATCH', `${runDir} holds a run with different settings: ${changed.join(', ')} changed`, {
          file: configFile,
          hint: 'pass another --out for a new run, or --no-resume to start this one over',
        });
      }
    }

    const generateOptions = { maxNewTokens: options.maxNewTokens, stop: [...options.stop] };
    const hashes = new Map(items.map((i) => [i.id, itemHash(i)]));
    const plan = checkpoints.map((cp) =>
      modes.map((mode) => ({
        mode,
        jobs: items.map<Job>((item) => ({
          item,
          key: predictionKey({
            modelHash: cp.manifest.modelHash,
            tokenizerHash: cp.manifest.tokenizerHash,
            template: template.id,
            mode,
            itemId: item.id,
            itemHash: hashes.get(item.id)!,
            options: mode === 'generate' ? generateOptions : {},
          }),
        })),
      })),
    );
    const planned = new Map<string, string>();
    checkpoints.forEach((cp, c) => plan[c]!.forEach(({ mode, jobs }) => jobs.forEach((j) => planned.set(`${j.item.id}\0${cp.manifest.step}\0${mode}`, j.key))));
    const { store, dropped } = await openPredictionStore(runDir, {
      resume: options.resume,
      // Same item, step and mode under another key: new weights (or an edited item) replace the old record.
      supersedes: (r) => {
        const key = planned.get(`${r.itemId}\0${r.step}\0${r.mode}`);
        return key !== undefined && key !== r.key && r.template === template.id;
      },
    });
    if (dropped > 0) progress.notice(`dropped ${dropped} torn, invalid or superseded line(s) from ${store.file}`);

    const files = {
      runConfig: configFile,
      items: join(runDir, 'items.jsonl'),
      predictions: store.file,
      checkpoints: join(runDir, 'checkpoints.jsonl'),
    };
    const provenance = await collectProvenance();
    let resolvedDevice: 'cpu' | 'cuda' | undefined;
    const manifests: CheckpointManifest[] = checkpoints.map((c) => c.manifest);
    const writeConfig = async (): Promise<void> => {
      const config: RunConfig = {
        schemaVersion: SCHEMA_VERSION,
        runId: previous?.runId ?? runIdFrom(runDir),
        label: options.label ?? previous?.label ?? basename(runDir),
        createdAt: previous?.createdAt ?? new Date(started).toISOString(),
        checkpoints: checkpoints.map((cp) => ({
          path: cp.manifest.path,
          step: cp.manifest.step,
          modelHash: cp.manifest.modelHash,
          tokenizerHash: cp.manifest.tokenizerHash,
        })),
        dataset: { path: resolve(options.dataset), sha256: dataset.sha256, items: items.length },
        splits: splits as RunConfig['splits'],
        mode: options.mode,
        template: template.id,
        limit: options.limit ?? null,
        device: options.device,
        ...(resolvedDevice ? { resolvedDevice } : {}),
        batchSize: options.batchSize,
        threads: options.threads ?? null,
        dtype: [...new Set(manifests.map((m) => m.dtype))].join(','),
        maxNewTokens: options.maxNewTokens,
        stop: [...options.stop],
        provenance,
      };
      await writeJsonAtomic(configFile, validate('runConfig', config, { file: configFile }));
    };
    await writeConfig();
    await writeFileAtomic(files.items, toJsonl(items.map((i) => validate('conflictItem', i))));
    await writeFileAtomic(files.checkpoints, toJsonl(manifests));

    const total = items.length * modes.length * checkpoints.length;
    const summaries: CheckpointSummary[] = [];
    let computeMs = 0;
    progress.start(total);
    try {
      for (const [c, cp] of checkpoints.entries()) {
        const t0 = Date.now();
        const pendingByMode = plan[c]!.map(({ mode, jobs }) => ({ mode, jobs: jobs.filter((j) => !store.has(j.key)) }));
        const pending = pendingByMode.reduce((n, m) => n + m.jobs.length, 0);
        const cached = items.length * modes.length - pending;
        if (cached > 0) progress.advance(cached);
        let failed = 0;
        if (pending > 0) {
          const model = await loadModel(cp.files, { device: options.device, threads: options.threads, onNotice: (m) => progress.notice(m) });
          try {
            resolvedDevice ??= model.device;
            if (options.dtype !== 'auto' && model.graph.dtype !== options.dtype) {
              throw new CpiError(
                'CPI_DTYPE_MISMATCH',
                `--dtype ${options.dtype} was asked for, but ${join(cp.manifest.path, model.graph.file)} is ${model.graph.dtype}`,
                {
                  file: join(cp.manifest.path, model.graph.file),
                  hint: `export an ${options.dtype} graph (e.g. model_${options.dtype}.onnx) beside it, or use --dtype auto`,
                },
              );
            }
            manifests[c] = { ...cp.manifest, dtype: cp.manifest.dtype === 'unknown' ? model.graph.dtype : cp.manifest.dtype, graph: graphOf(model) };
            for (const { mode, jobs } of pendingByMode) {
              // Large enough to sort by length well, small enough that a kill loses little.
              const chunkSize = Math.max(64, options.batchSize * 16);
              for (let i = 0; i < jobs.length; i += chunkSize) {
                const chunk = jobs.slice(i, i + chunkSize);
                const records = await predictChunk(model, cp, template, mode, chunk, options, generateOptions);
                failed += records.filter((r) => !r.ok).length;
                await store.append(records);
                progress.advance(chunk.length);
              }
            }
          } finally {
            await model.dispose();
          }
          computeMs += Date.now() - t0;
        }
        const seconds = (Date.now() - t0) / 1000;
        summaries.push({ step: cp.manifest.step, path: cp.manifest.path, modelHash: cp.manifest.modelHash, computed: pending, cached, failed, seconds });
        progress.checkpointDone({
          step: cp.manifest.step,
          index: c + 1,
          of: checkpoints.length,
          computed: pending,
          cached,
          failed,
          seconds,
          rssBytes: process.memoryUsage().rss,
        });
      }
    } finally {
      // Also on failure: a terminal bar must give the cursor back.
      progress.stop();
    }
    await writeFileAtomic(files.checkpoints, toJsonl(manifests.map((m) => validate('checkpointManifest', m))));
    await writeConfig();
    const computed = summaries.reduce((n, s) => n + s.computed, 0);
    return {
      runDir,
      runId: previous?.runId ?? runIdFrom(runDir),
      label: options.label ?? previous?.label ?? basename(runDir),
      items: items.length,
      modes,
      template: template.id,
      device: resolvedDevice,
      jobs: { total, computed, cached: summaries.reduce((n, s) => n + s.cached, 0), failed: summaries.reduce((n, s) => n + s.failed, 0) },
      checkpoints: summaries,
      seconds: (Date.now() - started) / 1000,
      itemsPerSecond: computeMs > 0 ? computed / (computeMs / 1000) : 0,
      droppedOnResume: dropped,
      files,
    };
  } finally {
    await lock.release();
  }
}

function graphOf(model: LanguageModel): NonNullable<CheckpointManifest['graph']> {
  const g = model.graph;
  return {
    file: g.file,
    hasPastKeyValues: g.hasPastKeyValues,
    hasCacheBranch: g.hasCacheBranch,
    hasPositionIds: g.hasPositionIds,
    externalData: g.externalData,
    numLayers: g.numLayers,
    numKeyValueHeads: g.numKeyValueHeads,
    headDim: g.headDim,
  };
}

function itemError(error: unknown): { code: `CPI_${string}`; message: string } {
  if (isCpiError(error)) return { code: error.code, message: error.message };
  return { code: 'CPI_INFERENCE_FAILED', message: (error as Error)?.message ?? String(error) };
}

/** Predicts one chunk of items; when the batch as a whole fails, retries item by item so one bad item fails alone. */
async function predictChunk(
  model: LanguageModel,
  cp: ResolvedCheckpoint,
  template: PromptTemplate,
  mode: 'score' | 'generate',
  chunk: readonly Job[],
  options: RunOptions,
  generateOptions: { maxNewTokens: number; stop: string[] },
): Promise<PredictionRecord[]> {
  const t0 = Date.now();
  const base = (job: Job, ms: number): RecordBase => ({
    key: job.key,
    item: job.item,
    step: cp.manifest.step,
    modelHash: cp.manifest.modelHash,
    tokenizerHash: cp.manifest.tokenizerHash,
    mode,
    template: template.id,
    durationMs: ms,
  });
  const records: (PredictionRecord | undefined)[] = new Array(chunk.length);
  const prompts: { index: number; prompt: string }[] = [];
  chunk.forEach((job, index) => {
    try {
      prompts.push({ index, prompt: renderPrompt(template, job.item, renderOptions(cp)) });
    } catch (error) {
      records[index] = failedRecord(base(job, 0), itemError(error));
    }
  });
  const run = async (subset: typeof prompts): Promise<void> => {
    if (mode === 'score') {
      const requests: ScoreRequest[] = [];
      const spans = subset.map(({ index, prompt }) => {
        const candidates = candidatesOf(chunk[index]!.item);
        const start = requests.length;
        for (const c of candidates) requests.push({ prompt, continuation: continuationOf(c.text) });
        return { index, candidates, start };
      });
      const results = await model.scoreContinuations(requests, { batchSize: options.batchSize });
      const ms = (Date.now() - t0) / Math.max(1, subset.length);
      for (const s of spans) records[s.index] = scoreRecord(base(chunk[s.index]!, ms), s.candidates, results.slice(s.start, s.start + s.candidates.length));
    } else {
      const results = await model.generate(
        subset.map((p) => p.prompt),
        { ...generateOptions, batchSize: options.batchSize },
      );
      const ms = (Date.now() - t0) / Math.max(1, subset.length);
      subset.forEach((p, i) => (records[p.index] = generateRecord(base(chunk[p.index]!, ms), results[i]!)));
    }
  };
  try {
    await run(prompts);
  } catch (error) {
    if (prompts.length <= 1) {
      for (const p of prompts) records[p.index] = failedRecord(base(chunk[p.index]!, Date.now() - t0), itemError(error));
    } else {
      for (const p of prompts) {
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
