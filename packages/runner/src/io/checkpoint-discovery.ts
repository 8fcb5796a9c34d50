// Finds the checkpoints of a series on disk (a series folder, a Trainer output folder, one checkpoint, or
// a list), orders them by step, and says what a folder lacks. checkpoints.ts resolves and hashes them.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { CpiError, pathExists, type CheckpointManifest } from '@cpi-bench/schemas';
import { genaiGraphFile } from '../checkpoint-config.ts';
import { GRAPH_FILES, REQUIRED_FILES, graphFilesFor, looksLikeCheckpointName, orderByStep, stepFromName, type GraphDtype } from '../checkpoints.ts';

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CpiError('CPI_CHECKPOINT_MISSING_FILE', `cannot read ${basename(file)}`, { file, cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CpiError('CPI_CHECKPOINT_BAD_JSON', `${basename(file)} is not valid JSON: ${(error as Error).message}`, { file, cause: error });
  }
}

export type Dtype = GraphDtype;

/** An onnxruntime-genai model-builder folder: genai_config.json names the graph and stands in for config.json. */
export const GENAI_CONFIG = 'genai_config.json';

export async function findGraph(dir: string, dtype: Dtype = 'auto'): Promise<string | undefined> {
  if (await pathExists(join(dir, GENAI_CONFIG))) {
    const file = genaiGraphFile(await readJson(join(dir, GENAI_CONFIG)), join(dir, GENAI_CONFIG));
    return (await pathExists(join(dir, file))) ? file : undefined;
  }
  for (const g of graphFilesFor(dtype)) if (await pathExists(join(dir, g))) return g;
  return undefined;
}

/** What a checkpoint folder lacks, as relative names; empty when it is complete. */
export async function missingFiles(dir: string, dtype: Dtype = 'auto'): Promise<string[]> {
  const missing: string[] = [];
  const genai = await pathExists(join(dir, GENAI_CONFIG));
  for (const f of REQUIRED_FILES) if (!(await pathExists(join(dir, f))) && !(genai && f === 'config.json')) missing.push(f);
  if (!(await findGraph(dir, dtype))) missing.push(genai ? `the graph ${GENAI_CONFIG} names` : (dtype === 'auto' ? GRAPH_FILES : graphFilesFor(dtype)).join(' or '));
  return missing;
}

export interface Candidate {
  path: string;
  step: number | undefined;
  stepSource: CheckpointManifest['stepSource'];
  /** Said before the run: which of two disagreeing step sources won, or why a folder was left out. */
  note?: string;
}

async function globalStep(dir: string, key: 'global_step' | 'max_steps' = 'global_step'): Promise<number | undefined> {
  const state = join(dir, 'trainer_state.json');
  if (!(await pathExists(state))) return undefined;
  const v = ((await readJson(state)) as Record<string, unknown>)[key];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** The step of one checkpoint folder: trainer_state.json's global_step, else the number in its name. */
async function stepOf(dir: string): Promise<Pick<Candidate, 'step' | 'stepSource' | 'note'>> {
  const fromState = await globalStep(dir);
  const fromName = stepFromName(basename(dir));
  if (fromState === undefined) return { step: fromName, stepSource: 'name' };
  const note =
    fromName !== undefined && fromName !== fromState
      ? `${dir}: trainer_state.json global_step ${fromState} and the folder name (step ${fromName}) disagree; trainer_state.json wins`
      : undefined;
  return { step: fromState, stepSource: 'trainer_state', ...(note ? { note } : {}) };
}

async function subfolderCandidates(root: string): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const entries = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(root, e.name));
  for (const dir of entries) {
    if (!looksLikeCheckpointName(basename(dir)) && !(await pathExists(join(dir, 'config.json')))) continue;
    out.push({ path: dir, ...(await stepOf(dir)) });
  }
  return out;
}

/**
 * A Hugging Face Trainer output folder: checkpoint-<step>/ subfolders plus the final model at the top. The
 * final model's step is the top's trainer_state.json global_step, else the last checkpoint's max_steps; at a
 * step a checkpoint folder already holds, the checkpoint folder is taken (the Trainer saved the same step).
 */
async function trainerCandidates(root: string): Promise<Candidate[] | undefined> {
  const subs = (await subfolderCandidates(root)).filter((c) => looksLikeCheckpointName(basename(c.path)));
  if (subs.length === 0) return undefined;
  let step = await globalStep(root);
  let source = 'trainer_state.json global_step';
  if (step === undefined) {
    for (const c of subs) step = Math.max(step ?? -1, (await globalStep(c.path, 'max_steps')) ?? -1);
    source = "the checkpoints' trainer_state.json max_steps";
  }
  if (step === undefined || step < 0) {
    throw new CpiError('CPI_CHECKPOINT_NO_STEP', `${root} holds checkpoint folders and a final model whose step is unknown`, {
      file: root,
      hint: 'save the trainer state beside the final model (trainer.save_state() writes trainer_state.json), or list the series in series.json',
    });
  }
  const same = subs.find((c) => c.step === step);
  if (same) {
    return subs.map((c) => (c === same ? { ...c, note: `the final model in ${root} is step ${step} (${source}), as ${basename(c.path)}/ is: using ${basename(c.path)}/` } : c));
  }
  return [...subs, { path: root, step, stepSource: 'trainer_state', note: `${root}: the final model, step ${step} (${source})` }];
}

/** A series.json `checkpoints` list ({ path, step }), when the series names its own order. */
async function manifestCandidates(root: string): Promise<Candidate[] | undefined> {
  const file = join(root, 'series.json');
  if (!(await pathExists(file))) return undefined;
  const s = (await readJson(file)) as { checkpoints?: unknown };
  if (!Array.isArray(s.checkpoints)) return undefined;
  return s.checkpoints.map((c: unknown, i) => {
    const e = c as { path?: unknown; step?: unknown };
    if (typeof e.path !== 'string' || typeof e.step !== 'number') {
      throw new CpiError('CPI_SERIES_INVALID', 'each series.json checkpoint needs a string path and a numeric step', { file, pointer: `/checkpoints/${i}` });
    }
    return { path: resolve(root, e.path), step: e.step, stepSource: 'manifest' as const };
  });
}

/** The dataset a series folder's series.json names (relative to the folder), if any. */
export async function seriesDataset(spec: string): Promise<string | undefined> {
  const root = resolve(spec.split(',')[0]!.trim());
  const file = join(root, 'series.json');
  if (spec.includes(',') || !(await pathExists(file))) return undefined;
  const d = ((await readJson(file)) as { dataset?: unknown }).dataset;
  return typeof d === 'string' && d ? resolve(root, d) : undefined;
}

/**
 * Lists the checkpoints a `--checkpoints` value names: a series folder (its checkpoint subfolders), a
 * single checkpoint folder, or an explicit list of folders. Ordered by step.
 */
export async function findCheckpoints(spec: string | readonly string[]): Promise<Candidate[]> {
  const list =
    typeof spec === 'string'
      ? spec
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [...spec];
  if (list.length === 0)
    throw new CpiError('CPI_NO_CHECKPOINTS', 'no checkpoints given', { hint: 'pass --checkpoints DIR or a comma-separated list of checkpoint folders' });
  let candidates: Candidate[];
  if (list.length > 1) {
    candidates = [];
    for (const [i, p] of list.entries()) {
      const s = await stepOf(resolve(p));
      candidates.push({ path: resolve(p), step: s.step ?? i, stepSource: s.step === undefined ? 'list' : s.stepSource });
    }
  } else {
    const root = resolve(list[0]!);
    if (!(await isDir(root))) throw new CpiError('CPI_NO_CHECKPOINTS', `${root} is not a folder`, { file: root });
    const fromManifest = await manifestCandidates(root);
    if (fromManifest) candidates = fromManifest;
    else if ((await pathExists(join(root, 'config.json'))) || (await pathExists(join(root, GENAI_CONFIG)))) {
      const trainer = await trainerCandidates(root);
      if (trainer) candidates = trainer;
      else {
        // One checkpoint given on its own: a step is only needed to order a series, so 0 will do.
        const s = await stepOf(root);
        candidates = [{ path: root, step: s.step ?? 0, stepSource: s.step === undefined ? 'list' : s.stepSource }];
      }
    } else candidates = await subfolderCandidates(root);
    if (candidates.length === 0) {
      throw new CpiError('CPI_NO_CHECKPOINTS', `no checkpoint folders under ${root}`, {
        file: root,
        hint: 'a series folder holds checkpoint-<step>/ subfolders, each an Optimum ONNX export (config.json, tokenizer.json, model.onnx)',
      });
    }
  }
  const unnamed = candidates.filter((c) => c.step === undefined);
  if (unnamed.length > 0) {
    throw new CpiError('CPI_CHECKPOINT_NO_STEP', `cannot tell the training step of ${unnamed.map((c) => c.path).join(', ')}`, {
      hint: 'name folders checkpoint-<step>, add a trainer_state.json with global_step, or list them in series.json',
    });
  }
  const ordered = orderByStep(candidates.map((c) => ({ ...c, step: c.step! })));
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i]!.step === ordered[i - 1]!.step) {
      throw new CpiError('CPI_CHECKPOINT_DUPLICATE_STEP', `${ordered[i - 1]!.path} and ${ordered[i]!.path} are both step ${ordered[i]!.step}`);
    }
  }
  return ordered;
}
