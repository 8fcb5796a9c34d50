// Finds the checkpoints of a series on disk, checks each one before a run starts (listing every missing
// file at once), and hashes their files, streamed, into CheckpointManifests.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { CpiError, SCHEMA_VERSION, sha256, sha256File, validate, type CheckpointManifest, type FileHash } from '@cpi-bench/schemas';
import { eosTokenIds, genaiGraphFile, parseGenaiConfig, parseModelConfig, tokenizerVocabSize } from '../checkpoint-config.ts';
import type { CheckpointFiles } from '../backend/types.ts';
import {
  GENERATION_FILES,
  GRAPH_FILES,
  REQUIRED_FILES,
  graphFilesFor,
  TOKENIZER_FILES,
  dtypeFromConfig,
  externalDataNames,
  looksLikeCheckpointName,
  orderByStep,
  stepFromName,
  type GraphDtype,
} from '../checkpoints.ts';

/** A checkpoint ready to run: its manifest, what the backend needs, and what the prompt template needs. */
export interface ResolvedCheckpoint {
  manifest: CheckpointManifest;
  files: CheckpointFiles;
  /** The chat template (chat_template.jinja, else tokenizer_config.json's), bos_token and eos_token, for chat prompts. */
  chatTemplate?: string;
  bosToken?: string;
  eosToken?: string;
  /** How the folder is laid out, for the series table printed before a run. */
  layout: { graphFile: string; externalData: string[]; genai: boolean };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function readJson(file: string): Promise<unknown> {
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

type Dtype = GraphDtype;

/** An onnxruntime-genai model-builder folder: genai_config.json names the graph and stands in for config.json. */
const GENAI_CONFIG = 'genai_config.json';

async function findGraph(dir: string, dtype: Dtype = 'auto'): Promise<string | undefined> {
  if (await exists(join(dir, GENAI_CONFIG))) {
    const file = genaiGraphFile(await readJson(join(dir, GENAI_CONFIG)), join(dir, GENAI_CONFIG));
    return (await exists(join(dir, file))) ? file : undefined;
  }
  for (const g of graphFilesFor(dtype)) if (await exists(join(dir, g))) return g;
  return undefined;
}

/** What a checkpoint folder lacks, as relative names; empty when it is complete. */
export async function missingFiles(dir: string, dtype: Dtype = 'auto'): Promise<string[]> {
  const missing: string[] = [];
  const genai = await exists(join(dir, GENAI_CONFIG));
  for (const f of REQUIRED_FILES) if (!(await exists(join(dir, f))) && !(genai && f === 'config.json')) missing.push(f);
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
  if (!(await exists(state))) return undefined;
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
    if (!looksLikeCheckpointName(basename(dir)) && !(await exists(join(dir, 'config.json')))) continue;
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
  if (!(await exists(file))) return undefined;
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
  if (spec.includes(',') || !(await exists(file))) return undefined;
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
    else if ((await exists(join(root, 'config.json'))) || (await exists(join(root, GENAI_CONFIG)))) {
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

async function hashFiles(dir: string, names: readonly string[]): Promise<FileHash[]> {
  const out: FileHash[] = [];
  for (const name of names) {
    const file = join(dir, name);
    out.push({ path: name, sha256: await sha256File(file), bytes: (await stat(file)).size });
  }
  return out;
}

/** External weight files of a graph (model.onnx_data, model.onnx.data, model.onnx_data_1, …) that sit beside it. */
async function externalDataFiles(dir: string, graphFile: string): Promise<string[]> {
  const graphDir = dirname(join(dir, graphFile));
  return externalDataNames(basename(graphFile), await readdir(graphDir)).map((n) => relative(dir, join(graphDir, n)).split('\\').join('/'));
}

/** The chat template: chat_template.jinja (transformers 5 writes it there) wins over tokenizer_config.json's. */
async function chatTemplateOf(dir: string, tokConfig: Record<string, unknown>): Promise<string | undefined> {
  const jinja = join(dir, 'chat_template.jinja');
  if (await exists(jinja)) return readFile(jinja, 'utf8');
  const t = tokConfig['chat_template'];
  if (typeof t === 'string') return t;
  // Several named templates ([{name, template}]): transformers uses the one named "default".
  if (Array.isArray(t)) {
    const d = (t as { name?: unknown; template?: unknown }[]).find((e) => e.name === 'default');
    if (typeof d?.template === 'string') return d.template;
  }
  return undefined;
}

function combinedHash(files: readonly FileHash[]): string {
  return sha256(files.map((f) => `${f.path}\0${f.sha256}\n`).join(''));
}

/** Reads, checks and hashes one checkpoint folder. */
export async function resolveCheckpoint(candidate: Candidate, dtype: Dtype = 'auto'): Promise<ResolvedCheckpoint> {
  const dir = candidate.path;
  const graphFile = (await findGraph(dir, dtype))!;
  const genaiFile = join(dir, GENAI_CONFIG);
  const genai = await exists(genaiFile);
  const configFile = genai && !(await exists(join(dir, 'config.json'))) ? genaiFile : join(dir, 'config.json');
  const rawConfig = await readJson(configFile);
  const config = configFile === genaiFile ? parseGenaiConfig(rawConfig, configFile) : parseModelConfig(rawConfig, configFile);
  const generationFile = join(dir, GENERATION_FILES[0]);
  const eosIds = [
    ...((await exists(generationFile)) ? eosTokenIds(await readJson(generationFile), generationFile) : []),
    ...(genai ? eosTokenIds(((await readJson(genaiFile)) as { model?: unknown }).model ?? {}, genaiFile) : []),
  ];
  const tokFile = join(dir, 'tokenizer.json');
  const vocab = tokenizerVocabSize(await readJson(tokFile), tokFile);
  if (vocab > config.vocabSize) {
    throw new CpiError('CPI_TOKENIZER_VOCAB_MISMATCH', `tokenizer.json has ${vocab} tokens but config.json vocab_size is ${config.vocabSize}`, {
      file: tokFile,
      hint: 'the tokenizer must be the one the model was trained with; token ids beyond vocab_size have no embedding',
    });
  }
  const tokConfig = (await readJson(join(dir, 'tokenizer_config.json'))) as Record<string, unknown>;
  const external = await externalDataFiles(dir, graphFile);
  const extras: string[] = [];
  for (const f of ['config.json', GENAI_CONFIG, ...GENERATION_FILES]) if (await exists(join(dir, f))) extras.push(f);
  const modelFiles = await hashFiles(dir, [graphFile, ...external, ...extras]);
  const tokenizerNames: string[] = [];
  for (const f of TOKENIZER_FILES) if (await exists(join(dir, f))) tokenizerNames.push(f);
  const tokenizerFiles = await hashFiles(dir, tokenizerNames);
  const manifest = validate(
    'checkpointManifest',
    {
      schemaVersion: SCHEMA_VERSION,
      path: dir,
      step: candidate.step ?? 0,
      ...(candidate.stepSource ? { stepSource: candidate.stepSource } : {}),
      modelFamily: config.modelType,
      files: [...modelFiles, ...tokenizerFiles],
      modelHash: combinedHash(modelFiles),
      tokenizerHash: combinedHash(tokenizerFiles),
      dtype: dtypeFromConfig(rawConfig as Record<string, unknown>),
      graph: { file: graphFile, externalData: external.length > 0 },
    },
    { file: dir },
  );
  const token = (v: unknown): string | undefined =>
    typeof v === 'string'
      ? v
      : typeof v === 'object' && v && typeof (v as { content?: unknown }).content === 'string'
        ? (v as { content: string }).content
        : undefined;
  const chatTemplate = await chatTemplateOf(dir, tokConfig);
  const bosToken = token(tokConfig['bos_token']);
  const eosToken = token(tokConfig['eos_token']);
  return {
    manifest,
    files: {
      dir,
      graphFile,
      externalData: external.length > 0,
      config,
      tokenizerVocabSize: vocab,
      tokenizerHash: manifest.tokenizerHash,
      eosTokenIds: [...new Set(eosIds)],
    },
    layout: { graphFile, externalData: external, genai },
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
    ...(bosToken !== undefined ? { bosToken } : {}),
    ...(eosToken !== undefined ? { eosToken } : {}),
  };
}

/**
 * Finds, validates and hashes every checkpoint before a run starts. Missing files are reported for all
 * checkpoints at once, naming each folder and file.
 */
export async function loadCheckpointSeries(
  spec: string | readonly string[],
  options: { dtype?: Dtype; onNotice?: (message: string) => void } = {},
): Promise<ResolvedCheckpoint[]> {
  const dtype = options.dtype ?? 'auto';
  const candidates = await findCheckpoints(spec);
  for (const c of candidates) if (c.note) options.onNotice?.(c.note);
  const problems: string[] = [];
  for (const c of candidates) {
    const missing = await missingFiles(c.path, dtype);
    if (missing.length > 0) problems.push(`  - ${c.path}: missing ${missing.join(', ')}`);
  }
  if (problems.length > 0) {
    throw new CpiError('CPI_CHECKPOINT_MISSING_FILE', `${problems.length} checkpoint folder(s) are incomplete:\n${problems.join('\n')}`, {
      hint: 'each checkpoint needs config.json, tokenizer.json, tokenizer_config.json and a graph (see the runner README, "Checkpoint layouts")',
    });
  }
  const out: ResolvedCheckpoint[] = [];
  for (const c of candidates) out.push(await resolveCheckpoint(c, dtype));
  return out;
}
