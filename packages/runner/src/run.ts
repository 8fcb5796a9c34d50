// One benchmark run, wired from three rooms: plan (plan.ts: every job and the key of exactly what it
// computes), execute (execute.ts: a loaded model turns jobs into records) and store (io/: the bound run
// folder, its lock and the append-only prediction store). Inputs are all checked before the folder is
// touched; a killed run resumes where it stopped; a bad checkpoint is marked failed and the sweep goes on.
import { join, resolve } from 'node:path';
import { asFsCpiError, CpiError, toJsonl, validate, writeFileAtomic, type CheckpointManifest } from '@cpi-bench/schemas';
import { loadOnnxModel } from './backend/onnx.ts';
import { resolveBatchSize } from './backend/batch-size.ts';
import type { CheckpointFiles } from './backend/types.ts';
import type { LanguageModel, LoadModelOptions } from './backend/types.ts';
import { modesOf, type RunOptions } from './config.ts';
import { executionContext, itemError, predictChunk } from './execute.ts';
import { readSweepInputs } from './sweep-inputs.ts';
import { planPrompts, type CheckpointPlan, type Job } from './plan.ts';
import { PROMPTS_FILE, savePrompts } from './io/prompts.ts';
import { silentProgress, type ProgressSink } from './progress.ts';
import { acquireRunLock } from './io/lock.ts';
import { collectProvenance } from './io/provenance.ts';
import { buildRunConfig, writeRunConfig } from './io/run-config.ts';
import { bindingConflict, chooseRunFolder, makeRunDir, readRunConfig, removeDebris, removeIfEmpty, seriesIdentity, type RunIdentity } from './io/run-folder.ts';
import { MAX_ATTEMPTS, openPredictionStore, type PersistentFailure } from './io/store.ts';

/** How one checkpoint went. */
export interface CheckpointSummary {
  step: number;
  path: string;
  modelHash: string;
  computed: number;
  cached: number;
  failed: number;
  seconds: number;
  /** The checkpoint could not be run (its model did not load); the sweep went on without it. */
  error?: { code: string; message: string };
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
  /** Checkpoints that could not be run this time (tried again on resume). */
  failedCheckpoints: { step: number; path: string; error: { code: string; message: string } }[];
  /** Jobs that failed MAX_ATTEMPTS times and are no longer retried. */
  persistentFailures: PersistentFailure[];
  seconds: number;
  /** Computed jobs per second of inference time. */
  itemsPerSecond: number;
  /** Records dropped on resume (torn, invalid, replaced or superseded lines). */
  droppedOnResume: number;
  files: { runConfig: string; items: string; predictions: string; checkpoints: string; prompts: string };
}

export interface RunDependencies {
  progress?: ProgressSink;
  /** Another backend implementing LanguageModel (the default is the ONNX one in backend/onnx.ts). */
  loadModel?: (files: CheckpointFiles, options: LoadModelOptions) => Promise<LanguageModel>;
  /** Runs only the jobs this keeps of the full plan (a shard's cells: shard.ts); it keeps every checkpoint, in order, with fewer jobs. */
  selectJobs?: (plan: CheckpointPlan[]) => CheckpointPlan[];
}

/**
 * Runs every item at every checkpoint and stores the predictions in `options.out`.
 * @example await runBenchmark(resolveRunOptions({ checkpoints: 'series/', dataset: 'datasets/default', out: 'runs/x' }))
 */
export async function runBenchmark(options: RunOptions, deps: RunDependencies = {}): Promise<RunSummary> {
  const progress = deps.progress ?? silentProgress;
  const loadModel = deps.loadModel ?? loadOnnxModel;
  const started = Date.now();

  // 1. Inputs, every one checked before the run folder is created or touched.
  const { template, checkpoints, dataset, items, generation, plan: fullPlan } = await readSweepInputs(options, (m) => progress.notice(m));
  // `--batch-size auto`: one size for the whole run from the first checkpoint's shape, recorded in run-config.json.
  const sized = { ...options, batchSize: resolveBatchSize(options.batchSize, checkpoints[0]!.files, options.device) };
  const modes = modesOf(options.mode);
  const splits = options.splits ? [...options.splits] : [...new Set(items.map((i) => i.split))].sort();
  const identity: RunIdentity = {
    series: seriesIdentity(options.checkpoints),
    dataset: { path: resolve(options.dataset), sha256: dataset.sha256 },
    template: template.id,
    mode: options.mode,
    splits,
    ...generation,
  };
  const plan = deps.selectJobs ? deps.selectJobs(fullPlan) : fullPlan;

  // 2. The run folder: bound to this series and dataset, locked, created only now.
  const runDir = await chooseRunFolder(resolve(options.out), identity, options.moveAsideFromBoundFolder);
  if (runDir !== resolve(options.out)) progress.notice(`${resolve(options.out)} holds another run; this one goes to ${runDir}`);
  const created = await makeRunDir(runDir);
  let lock;
  try {
    lock = await acquireRunLock(runDir);
  } catch (error) {
    if (created) await removeIfEmpty(runDir);
    throw error;
  }
  if (lock.tookOverFrom !== undefined) {
    progress.notice(`took over ${lock.file} from ${lock.tookOverFrom > 0 ? `pid ${lock.tookOverFrom}, which is no longer running` : 'a lock naming no process'}`);
  }
  try {
    const previous = await readRunConfig(runDir);
    const conflict = bindingConflict(previous, identity, runDir); // again under the lock: another run may have bound it meanwhile
    if (conflict) throw conflict;
    const debris = await removeDebris(runDir);
    if (debris > 0) progress.notice(`removed ${debris} temp file(s) a killed run left in ${runDir}`);
    return await execute(previous);
  } catch (error) {
    throw asFsCpiError(error, runDir);
  } finally {
    await lock.release();
    if (created) await removeIfEmpty(runDir);
  }

  async function execute(previous: Awaited<ReturnType<typeof readRunConfig>>): Promise<RunSummary> {
    const planned = new Map<string, string>();
    for (const { checkpoint, modes: ms } of plan) for (const { mode, jobs } of ms) for (const j of jobs) planned.set(`${j.item.id}\0${checkpoint.manifest.step}\0${mode}`, j.key);
    const { store, dropped } = await openPredictionStore(runDir, {
      resume: options.resume,
      // Same item, step and mode as another request now (new weights, an edited template or item): replaced.
      supersedes: (r) => {
        const key = planned.get(`${r.itemId}\0${r.step}\0${r.mode}`);
        return key !== undefined && key !== r.key && r.template === template.id;
      },
    });
    if (dropped > 0) progress.notice(`dropped ${dropped} torn, invalid, replaced or superseded line(s) from ${store.file}`);

    const files = { runConfig: join(runDir, 'run-config.json'), items: join(runDir, 'items.jsonl'), predictions: store.file, checkpoints: join(runDir, 'checkpoints.jsonl'), prompts: join(runDir, PROMPTS_FILE) };
    const manifests: CheckpointManifest[] = checkpoints.map((c) => c.manifest);
    const failedCheckpoints: RunSummary['failedCheckpoints'] = [];
    const configOf = buildRunConfig({ options: sized, previous, runDir, started, identity, itemCount: items.length, provenance: await collectProvenance() });
    let resolvedDevice: 'cpu' | 'cuda' | undefined;
    const saveConfig = (): Promise<void> => writeRunConfig(files.runConfig, configOf(manifests, resolvedDevice, failedCheckpoints));
    await saveConfig();
    await writeFileAtomic(files.items, toJsonl(items.map((i) => validate('conflictItem', i))));
    await writeFileAtomic(files.checkpoints, toJsonl(manifests));
    await savePrompts(runDir, planPrompts(plan));

    const total = plan.reduce((n, p) => n + p.modes.reduce((m, { jobs }) => m + jobs.length, 0), 0);
    const summaries: CheckpointSummary[] = [];
    let computeMs = 0;
    let firstLoadError: unknown;
    // A stored success is done; a stored failure is tried again until it has failed MAX_ATTEMPTS times.
    const isPending = (j: Job): boolean => !store.has(j.key) && (!options.resume || store.failedAttempts(j.key) < MAX_ATTEMPTS);
    progress.start(total);
    try {
      for (const [c, { checkpoint: cp, modes: planned }] of plan.entries()) {
        const t0 = Date.now();
        const pendingByMode = planned.map(({ mode, jobs }) => ({ mode, jobs: jobs.filter(isPending) }));
        const pending = pendingByMode.reduce((n, m) => n + m.jobs.length, 0);
        const cached = planned.reduce((n, m) => n + m.jobs.length, 0) - pending;
        if (cached > 0) progress.advance(cached);
        let failed = 0;
        let tooLong = 0;
        let error: CheckpointSummary['error'];
        if (pending > 0) {
          let model: LanguageModel | undefined;
          try {
            model = await loadModel(cp.files, { device: options.device, threads: options.threads, modes, onNotice: (m) => progress.notice(m) });
          } catch (loadError) {
            // One bad checkpoint (a corrupt graph) must not end the sweep: it is reported and skipped.
            firstLoadError ??= loadError;
            error = itemError(loadError, 'CPI_CHECKPOINT_UNUSABLE');
            failedCheckpoints.push({ step: cp.manifest.step, path: cp.manifest.path, error });
            progress.notice(`checkpoint ${cp.manifest.path} (step ${cp.manifest.step}) failed and is skipped: ${error.code}: ${error.message.split('\n')[0]}`);
            progress.advance(pending);
          }
          if (model) {
            try {
              resolvedDevice ??= model.device;
              checkDtype(options, cp.manifest.path, model);
              manifests[c] = { ...cp.manifest, dtype: cp.manifest.dtype === 'unknown' ? model.graph.dtype : cp.manifest.dtype, graph: graphOf(model) };
              const ctx = executionContext(cp.manifest, template.id, sized.batchSize, generation, store);
              for (const { mode, jobs } of pendingByMode) {
                // Large enough to sort by length well, small enough that a kill loses little.
                const chunkSize = Math.max(64, ctx.batchSize * 16);
                for (let i = 0; i < jobs.length; i += chunkSize) {
                  const chunk = jobs.slice(i, i + chunkSize);
                  const records = await predictChunk(model, ctx, mode, chunk);
                  failed += records.filter((r) => !r.ok).length;
                  tooLong += records.filter((r) => !r.ok && r.error?.code === 'CPI_PROMPT_TOO_LONG').length;
                  await store.append(records);
                  progress.advance(chunk.length);
                }
              }
            } finally {
              await model.dispose();
            }
          }
          computeMs += Date.now() - t0;
        }
        if (tooLong > 0) {
          progress.notice(`step ${cp.manifest.step}: ${tooLong} prediction(s) failed as CPI_PROMPT_TOO_LONG (longer than the ${cp.files.config.maxLength}-token context window; nothing is cut)`);
        }
        const seconds = (Date.now() - t0) / 1000;
        const computed = error ? 0 : pending;
        summaries.push({ step: cp.manifest.step, path: cp.manifest.path, modelHash: cp.manifest.modelHash, computed, cached, failed, seconds, ...(error ? { error } : {}) });
        progress.checkpointDone({ step: cp.manifest.step, index: c + 1, of: checkpoints.length, computed, cached, failed, seconds, rssBytes: process.memoryUsage().rss });
      }
    } finally {
      // Also on failure: a terminal bar must give the cursor back.
      progress.stop();
    }
    await store.close();
    if (failedCheckpoints.length === checkpoints.length) {
      // Nothing could run: when every checkpoint failed alike (a device that is not there), that error says it best.
      if (failedCheckpoints.every((f) => f.error.code === failedCheckpoints[0]!.error.code) && firstLoadError !== undefined) throw firstLoadError;
      const first = failedCheckpoints[0]!;
      throw new CpiError('CPI_CHECKPOINTS_FAILED', `no checkpoint could be run; the first, ${first.path}, failed with ${first.error.code}: ${first.error.message}`, {
        file: first.path,
        hint: 'check the exports (re-export the ONNX graphs), then run the same command again',
      });
    }
    await writeFileAtomic(files.checkpoints, toJsonl(manifests.map((m) => validate('checkpointManifest', m))));
    const config = configOf(manifests, resolvedDevice, failedCheckpoints);
    await writeRunConfig(files.runConfig, config);
    const computed = summaries.reduce((n, s) => n + s.computed, 0);
    const persistentFailures = store.persistentFailures();
    if (persistentFailures.length > 0) progress.notice(`${persistentFailures.length} job(s) failed ${MAX_ATTEMPTS} times and are no longer retried (persistentFailures in the summary)`);
    return {
      runDir,
      runId: config.runId,
      label: config.label ?? config.runId,
      items: items.length,
      modes,
      template: template.id,
      device: resolvedDevice,
      jobs: { total, computed, cached: summaries.reduce((n, s) => n + s.cached, 0), failed: summaries.reduce((n, s) => n + s.failed, 0) },
      checkpoints: summaries,
      failedCheckpoints,
      persistentFailures,
      seconds: (Date.now() - started) / 1000,
      itemsPerSecond: computeMs > 0 ? computed / (computeMs / 1000) : 0,
      droppedOnResume: dropped,
      files,
    };
  }
}

function checkDtype(options: RunOptions, path: string, model: LanguageModel): void {
  // Only the precisions a graph reports are checked; quantised files (q8, q4, …) are chosen by name alone.
  if ((options.dtype !== 'fp32' && options.dtype !== 'fp16') || model.graph.dtype === options.dtype) return;
  throw new CpiError('CPI_DTYPE_MISMATCH', `--dtype ${options.dtype} was asked for, but ${join(path, model.graph.file)} is ${model.graph.dtype}`, {
    file: join(path, model.graph.file),
    hint: `export an ${options.dtype} graph (e.g. model_${options.dtype}.onnx) beside it, or use --dtype auto`,
  });
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
