// Finds the checkpoints of a series on disk, checks each one before a run starts (listing every missing
// file at once), and hashes their files, streamed, into CheckpointManifests.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { CpiError, SCHEMA_VERSION, sha256, sha256File, validate, type CheckpointManifest, type FileHash } from '@cpi-bench/schemas';
import { parseModelConfig, tokenizerVocabSize } from '../checkpoint-config.ts';
import type { CheckpointFiles } from '../backend/onnx.ts';
import {
  GRAPH_FILES,
  REQUIRED_FILES,
  graphFilesFor,
  TOKENIZER_FILES,
  dtypeFromConfig,
  looksLikeCheckpointName,
  orderByStep,
  stepFromName,
} from '../checkpoints.ts';

/** A checkpoint ready to run: its manifest, what the backend needs, and what the prompt template needs. */
export interface ResolvedCheckpoint {
  manifest: CheckpointManifest;
  files: CheckpointFiles;
  /** tokenizer_config.json's chat_template, bos_token and eos_token, for chat prompt templates. */
  chatTemplate?: string;
  bosToken?: string;
  eosToken?: string;
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

type Dtype = 'auto' | 'fp32' | 'fp16';

async function findGraph(dir: string, dtype: Dtype = 'auto'): Promise<string | undefined> {
  for (const g of graphFilesFor(dtype)) if (await exists(join(dir, g))) return g;
  return undefined;
}

/** What a checkpoint folder lacks, as relative names; empty when it is complete. */
export async function missingFiles(dir: string, dtype: Dtype = 'auto'): Promise<string[]> {
  const missing: string[] = [];
  for (const f of REQUIRED_FILES) if (!(await exists(join(dir, f)))) missing.push(f);
  if (!(await findGraph(dir, dtype))) missing.push(GRAPH_FILES.join(' or '));
  return missing;
}

interface Candidate {
  path: string;
  step: number | undefined;
  stepSource: CheckpointManifest['stepSource'];
}

/** The step of one checkpoint folder: trainer_state.json's global_step, else the number in its name. */
async function stepOf(dir: string): Promise<Pick<Candidate, 'step' | 'stepSource'>> {
  const state = join(dir, 'trainer_state.json');
  if (await exists(state)) {
    const s = (await readJson(state)) as { global_step?: unknown };
    if (typeof s.global_step === 'number' && Number.isInteger(s.global_step) && s.global_step >= 0) return { step: s.global_step, stepSource: 'trainer_state' };
  }
  return { step: stepFromName(basename(dir)), stepSource: 'name' };
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
    else if (await exists(join(root, 'config.json'))) {
      // One checkpoint given on its own: a step is only needed to order a series, so 0 will do.
      const s = await stepOf(root);
      candidates = [{ path: root, step: s.step ?? 0, stepSource: s.step === undefined ? 'list' : s.stepSource }];
    } else {
      candidates = [];
      const entries = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(root, e.name));
      for (const dir of entries) {
        if (!looksLikeCheckpointName(basename(dir)) && !(await exists(join(dir, 'config.json')))) continue;
        candidates.push({ path: dir, ...(await stepOf(dir)) });
      }
    }
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

/** External weight files of a graph (model.onnx_data, model.onnx.data, …) that sit beside it. */
async function externalDataFiles(dir: string, graphFile: string): Promise<string[]> {
  const graphDir = dirname(join(dir, graphFile));
  const stem = basename(graphFile);
  const names = await readdir(graphDir);
  return names
    .filter((n) => n !== stem && n.startsWith(stem.replace(/\.onnx$/, '')) && /\.onnx[._]data$|\.onnx_data$/.test(n))
    .map((n) => relative(dir, join(graphDir, n)).split('\\').join('/'))
    .sort();
}

function combinedHash(files: readonly FileHash[]): string {
  return sha256(files.map((f) => `${f.path}\0${f.sha256}\n`).join(''));
}

/** Reads, checks and hashes one checkpoint folder. */
export async function resolveCheckpoint(candidate: Candidate, dtype: Dtype = 'auto'): Promise<ResolvedCheckpoint> {
  const dir = candidate.path;
  const graphFile = (await findGraph(dir, dtype))!;
  const configFile = join(dir, 'config.json');
  const rawConfig = await readJson(configFile);
  const config = parseModelConfig(rawConfig, configFile);
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
  const modelFiles = await hashFiles(dir, [graphFile, ...external, 'config.json']);
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
  const chatTemplate = typeof tokConfig['chat_template'] === 'string' ? tokConfig['chat_template'] : undefined;
  const bosToken = token(tokConfig['bos_token']);
  const eosToken = token(tokConfig['eos_token']);
  return {
    manifest,
    files: { dir, graphFile, externalData: external.length > 0, config, tokenizerVocabSize: vocab, tokenizerHash: manifest.tokenizerHash },
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
    ...(bosToken !== undefined ? { bosToken } : {}),
    ...(eosToken !== undefined ? { eosToken } : {}),
  };
}

/**
 * Finds, validates and hashes every checkpoint before a run starts. Missing files are reported for all
 * checkpoints at once, naming each folder and file.
 */
export async function loadCheckpointSeries(spec: string | readonly string[], options: { dtype?: Dtype } = {}): Promise<ResolvedCheckpoint[]> {
  const dtype = options.dtype ?? 'auto';
  const candidates = await findCheckpoints(spec);
  const problems: string[] = [];
  for (const c of candidates) {
    const missing = await missingFiles(c.path, dtype);
    if (missing.length > 0) problems.push(`  - ${c.path}: missing ${missing.join(', ')}`);
  }
  if (problems.length > 0) {
    throw new CpiError('CPI_CHECKPOINT_MISSING_FILE', `${problems.length} checkpoint folder(s) are incomplete:\n${problems.join('\n')}`, {
      hint: 'each checkpoint needs config.json, tokenizer.json, tokenizer_config.json and model.onnx, decoder_model_merged.onnx or onnx/model.onnx',
    });
  }
  const out: ResolvedCheckpoint[] = [];
  for (const c of candidates) out.push(await resolveCheckpoint(c, dtype));
  return out;
}
