// Resolves the checkpoints of a series (found by checkpoint-discovery.ts): checks each one before a run
// starts (listing every missing file at once), and hashes their files, streamed, into CheckpointManifests.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { CpiError, SCHEMA_VERSION, pathExists, sha256, sha256File, validate, type CheckpointManifest, type FileHash } from '@cpi-bench/schemas';
import { eosTokenIds, parseGenaiConfig, parseModelConfig, tokenizerVocabSize } from '../checkpoint-config.ts';
import type { CheckpointFiles } from '../backend/types.ts';
import { GENERATION_FILES, TOKENIZER_FILES, dtypeFromConfig, externalDataNames } from '../checkpoints.ts';
import { GENAI_CONFIG, findCheckpoints, findGraph, missingFiles, readJson, type Candidate, type Dtype } from './checkpoint-discovery.ts';

export { findCheckpoints, missingFiles, seriesDataset, type Candidate } from './checkpoint-discovery.ts';

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
  if (await pathExists(jinja)) return readFile(jinja, 'utf8');
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
  const genai = await pathExists(genaiFile);
  const configFile = genai && !(await pathExists(join(dir, 'config.json'))) ? genaiFile : join(dir, 'config.json');
  const rawConfig = await readJson(configFile);
  const config = configFile === genaiFile ? parseGenaiConfig(rawConfig, configFile) : parseModelConfig(rawConfig, configFile);
  const generationFile = join(dir, GENERATION_FILES[0]);
  const eosIds = [
    ...((await pathExists(generationFile)) ? eosTokenIds(await readJson(generationFile), generationFile) : []),
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
  for (const f of ['config.json', GENAI_CONFIG, ...GENERATION_FILES]) if (await pathExists(join(dir, f))) extras.push(f);
  const modelFiles = await hashFiles(dir, [graphFile, ...external, ...extras]);
  const tokenizerNames: string[] = [];
  for (const f of TOKENIZER_FILES) if (await pathExists(join(dir, f))) tokenizerNames.push(f);
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
