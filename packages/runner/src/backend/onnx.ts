// The one module in cpi-bench that imports onnxruntime-node and @huggingface/transformers (a repo test holds
// this). It loads a checkpoint (one session + its tokenizer) and answers batched score/generate requests.
import { dirname, basename, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { Float16Array } from '@petamoriken/float16';
import { CpiError } from '@cpi-bench/schemas';
import type { ModelConfig } from '../checkpoint-config.ts';
import type {
  DeviceChoice,
  GenerateOptions,
  GenerateResult,
  GraphInfo,
  ItemFailure,
  LanguageModel,
  LoadModelOptions,
  ScoreRequest,
  ScoreResult,
} from './types.ts';

/** What the backend needs to know about a checkpoint folder (found and validated by io/checkpoints.ts). */
export interface CheckpointFiles {
  dir: string;
  /** Path of the graph relative to dir: model.onnx, decoder_model_merged.onnx or onnx/model.onnx. */
  graphFile: string;
  externalData: boolean;
  config: ModelConfig;
  tokenizerVocabSize: number;
  /** The tokenizer files' hash: checkpoints of a series that share it share one tokenization cache. */
  tokenizerHash?: string;
}

// Token ids of texts already encoded by the current tokenizer: a sweep re-encodes the same prompts at every
// checkpoint otherwise. One tokenizer at a time and a bounded size, so memory stays flat over a sweep.
const ENCODE_CACHE_MAX = 200_000;
let encodeCache: { tokenizerHash: string; ids: Map<string, number[]> } | undefined;

type Tokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;

// The CUDA probe's failure is reported in one line by the runner; keep onnxruntime's native log for fatal errors.
ort.env.logLevel = 'fatal';

// onnxruntime-node throws when the CUDA provider cannot load; remember why, so `auto` tries once per process.
let cudaUnavailable: string | undefined;

/** Loads a checkpoint: its tokenizer, its session (on the chosen device) and a one-token probe run. */
export async function loadOnnxModel(checkpoint: CheckpointFiles, options: LoadModelOptions): Promise<LanguageModel> {
  const tokenizer = await loadTokenizer(checkpoint.dir);
  const graphPath = join(checkpoint.dir, checkpoint.graphFile);
  const { session, device } = await createSession(graphPath, options);
  try {
    const graph = describeGraph(session, checkpoint, graphPath);
    const model = new OnnxLanguageModel(session, tokenizer, graph, device, checkpoint);
    await model.probe(graphPath);
    return model;
  } catch (error) {
    await session.release();
    throw error;
  }
}

async function loadTokenizer(dir: string): Promise<Tokenizer> {
  // Local files only: no code path may reach the network.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  env.localModelPath = dirname(dir) + '/';
  try {
    return await AutoTokenizer.from_pretrained(basename(dir), { local_files_only: true });
  } catch (error) {
    throw new CpiError('CPI_CHECKPOINT_BAD_TOKENIZER', `cannot load the tokenizer: ${(error as Error).message}`, {
      file: join(dir, 'tokenizer.json'),
      hint: 'a checkpoint needs a Hugging Face tokenizer.json and tokenizer_config.json beside config.json',
      cause: error,
    });
  }
}

function sessionOptions(provider: 'cpu' | 'cuda', threads: number | undefined): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(threads !== undefined ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  };
}

async function createSession(graphPath: string, options: LoadModelOptions): Promise<{ session: ort.InferenceSession; device: 'cpu' | 'cuda' }> {
  const want: DeviceChoice = options.device;
  if (want === 'cuda' || (want === 'auto' && cudaUnavailable === undefined)) {
    try {
      return { session: await ort.InferenceSession.create(graphPath, sessionOptions('cuda', options.threads)), device: 'cuda' };
    } catch (error) {
      const why = firstLine((error as Error).message);
      if (!isProviderError(why)) throw corruptGraph(graphPath, error);
      if (want === 'cuda') {
        throw new CpiError('CPI_CUDA_UNAVAILABLE', `onnxruntime-node cannot use CUDA: ${why}`, {
          hint: 'install the CUDA execution provider (see README, "Offline install, and CUDA") or use --device cpu or auto',
          cause: error,
        });
      }
      cudaUnavailable = why;
      options.onNotice?.(`CUDA unavailable (${why}); using the CPU`);
    }
  }
  try {
    return { session: await ort.InferenceSession.create(graphPath, sessionOptions('cpu', options.threads)), device: 'cpu' };
  } catch (error) {
    throw corruptGraph(graphPath, error);
  }
}

function isProviderError(message: string): boolean {
  return /cuda|execution provider|providers_shared|shared library|backend/i.test(message);
}

function corruptGraph(graphPath: string, error: unknown): CpiError {
  return new CpiError('CPI_CHECKPOINT_CORRUPT', `onnxruntime cannot load the graph: ${firstLine((error as Error).message)}`, {
    file: graphPath,
    hint: 're-export the checkpoint; a truncated copy or a missing model.onnx_data beside the graph causes this',
    cause: error,
  });
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).slice(0, 300);
}

const PAST_RE = /^past_key_values\.(\d+)\.(key|value)$/;

function describeGraph(session: ort.InferenceSession, cp: CheckpointFiles, graphPath: string): GraphInfo {
  if (!session.outputNames.includes('logits')) {
    throw new CpiError('CPI_GRAPH_NO_LOGITS', `the graph has no "logits" output (outputs: ${session.outputNames.join(', ')})`, {
      file: graphPath,
      hint: 'export a causal-LM graph (Optimum task text-generation or text-generation-with-past)',
    });
  }
  for (const name of ['input_ids', 'attention_mask']) {
    if (!session.inputNames.includes(name)) {
      throw new CpiError('CPI_GRAPH_UNSUPPORTED', `the graph has no "${name}" input (inputs: ${session.inputNames.join(', ')})`, { file: graphPath });
    }
  }
  const past = session.inputMetadata.filter((m) => PAST_RE.test(m.name));
  let dtype: 'fp32' | 'fp16' = 'fp32';
  let kvHeads = cp.config.numKeyValueHeads;
  let headDim = cp.config.headDim;
  const first = past[0];
  if (first?.isTensor) {
    if (first.type === 'float16') dtype = 'fp16';
    // Trust the graph's own numeric dims over config.json where it declares them.
    if (typeof first.shape[1] === 'number') kvHeads = first.shape[1];
    if (typeof first.shape[3] === 'number') headDim = first.shape[3];
  } else {
    const logits = session.outputMetadata.find((m) => m.name === 'logits');
    if (logits?.isTensor && logits.type === 'float16') dtype = 'fp16';
  }
  const logitsMeta = session.outputMetadata.find((m) => m.name === 'logits');
  const declaredVocab = logitsMeta?.isTensor ? logitsMeta.shape[2] : undefined;
  return {
    file: cp.graphFile,
    hasPastKeyValues: past.length > 0,
    hasCacheBranch: session.inputNames.includes('use_cache_branch'),
    hasPositionIds: session.inputNames.includes('position_ids'),
    externalData: cp.externalData,
    numLayers: past.length > 0 ? past.length / 2 : cp.config.numLayers,
    numKeyValueHeads: kvHeads,
    headDim,
    dtype,
    vocabSize: typeof declaredVocab === 'number' ? declaredVocab : cp.config.vocabSize,
  };
}

function toFloat32(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const src = t.data as ArrayLike<number>;
    const out = new Float32Array(src.length);
    // onnxruntime-node hands float16 back as raw Uint16 bits (Node 20 has no Float16Array).
    // Decoded by @petamoriken/float16's Float16Array (a view of the same bits), not a hand-written decoder.
    if (src instanceof Uint16Array) out.set(Float32Array.from(new Float16Array(src.buffer, src.byteOffset, src.length)));
    else for (let i = 0; i < src.length; i++) out[i] = src[i]!;
    return out;
  }
  throw new CpiError('CPI_GRAPH_UNSUPPORTED', `logits of type ${t.type} are not supported`);
}

/** log-softmax value of `token` at one logits row, plus whether it is the argmax (first index wins ties). */
function tokenLogprob(logits: Float32Array, offset: number, vocab: number, token: number): { lp: number; greedy: boolean; finite: boolean } {
  let max = -Infinity;
  let arg = 0;
  for (let v = 0; v < vocab; v++) {
    const x = logits[offset + v]!;
    if (x > max) {
      max = x;
      arg = v;
    }
  }
  let sum = 0;
  for (let v = 0; v < vocab; v++) sum += Math.exp(logits[offset + v]! - max);
  const lp = logits[offset + token]! - max - Math.log(sum);
  return { lp, greedy: arg === token, finite: Number.isFinite(lp) && Number.isFinite(max) };
}

function argmax(logits: Float32Array, offset: number, vocab: number): number {
  let max = -Infinity;
  let arg = -1;
  for (let v = 0; v < vocab; v++) {
    const x = logits[offset + v]!;
    if (x > max) {
      max = x;
      arg = v;
    }
  }
  return arg; // -1 when the row is all NaN
}

function failure(code: `CPI_${string}`, message: string): ItemFailure {
  return { ok: false, error: { code, message } };
}

interface PreparedScore {
  index: number;
  input: number[];
  /** Position in `input` whose logits predict the first continuation token. */
  start: number;
  continuation: number[];
  /** The prompt's tokens (one shared array per distinct prompt). */
  context: number[];
}

class OnnxLanguageModel implements LanguageModel {
  readonly maxLength: number;
  private readonly intType: 'int64' | 'int32';
  private readonly padId: number;
  private readonly eosId: number | undefined;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: Tokenizer,
    readonly graph: GraphInfo,
    readonly device: 'cpu' | 'cuda',
    private readonly checkpoint: CheckpointFiles,
  ) {
    this.maxLength = checkpoint.config.maxLength;
    const ids = session.inputMetadata.find((m) => m.name === 'input_ids');
    this.intType = ids?.isTensor && ids.type === 'int32' ? 'int32' : 'int64';
    const eos = tokenizer.eos_token_id as number | null | undefined;
    this.eosId = typeof eos === 'number' ? eos : undefined;
    const pad = tokenizer.pad_token_id as number | null | undefined;
    this.padId = typeof pad === 'number' ? pad : (this.eosId ?? 0);
  }

  /** Checks, before any item runs, that the vocabularies fit and that the logits are numbers. */
  async probe(graphPath: string): Promise<void> {
    if (this.checkpoint.tokenizerVocabSize > this.graph.vocabSize) {
      throw new CpiError(
        'CPI_TOKENIZER_VOCAB_MISMATCH',
        `the tokenizer has ${this.checkpoint.tokenizerVocabSize} tokens but the model's logits cover only ${this.graph.vocabSize}`,
        { file: join(this.checkpoint.dir, 'tokenizer.json'), hint: 'use the tokenizer the checkpoint was trained with' },
      );
    }
    const logits = await this.forward([[this.eosId ?? 0]], [[1]]);
    const vocab = logits.dims[2] ?? 0;
    if (vocab < this.checkpoint.tokenizerVocabSize) {
      throw new CpiError('CPI_TOKENIZER_VOCAB_MISMATCH', `the tokenizer has ${this.checkpoint.tokenizerVocabSize} tokens but the logits have ${vocab}`, {
        file: join(this.checkpoint.dir, 'tokenizer.json'),
      });
    }
    const data = toFloat32(logits);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        throw new CpiError('CPI_NAN_LOGITS', 'the model produces NaN or infinite logits on a one-token probe', {
          file: graphPath,
          hint: 'the checkpoint weights are broken (NaN/Inf, often from a diverged finetuning step); drop or re-export it',
        });
      }
    }
  }

  encode(text: string): number[] {
    const hash = this.checkpoint.tokenizerHash;
    if (hash === undefined) return this.tokenizer.encode(text) as number[];
    if (encodeCache?.tokenizerHash !== hash) encodeCache = { tokenizerHash: hash, ids: new Map() };
    let ids = encodeCache.ids.get(text);
    if (!ids) {
      ids = this.tokenizer.encode(text) as number[];
      if (encodeCache.ids.size >= ENCODE_CACHE_MAX) encodeCache.ids.clear();
      encodeCache.ids.set(text, ids);
    }
    return ids;
  }

  private intTensor(values: ArrayLike<number>, dims: number[]): ort.Tensor {
    if (this.intType === 'int32') return new ort.Tensor('int32', Int32Array.from(values), dims);
    // Ids, masks and positions are small non-negative integers: write the low 32-bit words of the int64s
    // directly (little-endian, as on every platform onnxruntime-node ships for) instead of a BigInt each.
    const data = new BigInt64Array(values.length);
    const words = new Uint32Array(data.buffer);
    for (let i = 0; i < values.length; i++) words[2 * i] = values[i]!;
    return new ort.Tensor('int64', data, dims);
  }

  private emptyPast(batch: number): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    const dims = [batch, this.graph.numKeyValueHeads, 0, this.graph.headDim];
    for (let l = 0; l < this.graph.numLayers; l++) {
      for (const kv of ['key', 'value']) {
        feeds[`past_key_values.${l}.${kv}`] =
          this.graph.dtype === 'fp16' ? new ort.Tensor('float16', new Uint16Array(0), dims) : new ort.Tensor('float32', new Float32Array(0), dims);
      }
    }
    return feeds;
  }

  /** Position ids from the attention mask: padding (left or right) does not shift a row's positions. */
  private positions(mask: number[][], pastLength: number): number[] {
    const out: number[] = [];
    for (const row of mask) {
      let seen = 0;
      for (let t = 0; t < row.length; t++) {
        if (t >= pastLength) out.push(Math.max(0, seen + (row[t] ? 1 : 0) - 1));
        seen += row[t] ? 1 : 0;
      }
    }
    return out;
  }

  private feeds(ids: number[][], mask: number[][], past: Record<string, ort.Tensor> | undefined): Record<string, ort.Tensor> {
    const batch = ids.length;
    const steps = ids[0]?.length ?? 0;
    const pastLength = (mask[0]?.length ?? 0) - steps;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: this.intTensor(ids.flat(), [batch, steps]),
      attention_mask: this.intTensor(mask.flat(), [batch, mask[0]?.length ?? 0]),
    };
    if (this.graph.hasPositionIds) feeds['position_ids'] = this.intTensor(this.positions(mask, pastLength), [batch, steps]);
    if (this.graph.hasPastKeyValues) Object.assign(feeds, past ?? this.emptyPast(batch));
    if (this.graph.hasCacheBranch) feeds['use_cache_branch'] = new ort.Tensor('bool', new Uint8Array([past ? 1 : 0]), [1]);
    return feeds;
  }

  /** One full pass without a cache; returns the logits tensor [B, T, V]. */
  private async forward(ids: number[][], mask: number[][]): Promise<ort.Tensor> {
    const out = await this.session.run(this.feeds(ids, mask, undefined), ['logits']);
    return out['logits']!;
  }

  async scoreContinuations(requests: readonly ScoreRequest[], options: { batchSize: number }): Promise<ScoreResult[]> {
    const results: ScoreResult[] = new Array<ScoreResult>(requests.length);
    const promptCache = new Map<string, number[]>();
    const prepared: PreparedScore[] = [];
    requests.forEach((r, index) => {
      const p = this.prepareScore(r, promptCache);
      if ('ok' in p) results[index] = p;
      else prepared.push({ ...p, index });
    });
    const shared = this.canSharePrompts ? prepared.filter((p) => p.context.length + p.continuation.length <= this.maxLength) : [];
    if (shared.length > 0) await this.scoreSharingPrompts(shared, options.batchSize, results);
    const sharedSet = new Set(shared);
    await this.scoreFullPasses(
      prepared.filter((p) => !sharedSet.has(p)),
      options.batchSize,
      results,
    );
    return results;
  }

  /** Reads the continuation's log-probabilities off logits rows; `rowOf(j)` locates the row predicting token j. */
  private sumLogprobs(vocab: number, tokens: readonly number[], rowOf: (j: number) => [Float32Array, number]): ScoreResult {
    let sum = 0;
    let greedy = true;
    let finite = true;
    tokens.forEach((token, j) => {
      const [logits, offset] = rowOf(j);
      const r = tokenLogprob(logits, offset, vocab, token);
      sum += r.lp;
      greedy &&= r.greedy;
      finite &&= r.finite;
    });
    return finite
      ? { ok: true, logprob: sum, tokenCount: tokens.length, greedy }
      : failure('CPI_NAN_LOGITS', 'the model produced NaN or infinite logits for this item');
  }

  /**
   * Graphs with a KV cache and explicit positions: run each distinct prompt once, then only the
   * continuations on a copy of the prompt's cache. An item's candidate answers share one prompt, so this
   * does a fraction of the full-pass work; the log-probabilities are the same (a test holds them to 1e-4).
   */
  private get canSharePrompts(): boolean {
    return this.graph.hasPastKeyValues && this.graph.hasPositionIds && this.checkpoint.config.useCache;
  }

  private async scoreSharingPrompts(prepared: readonly PreparedScore[], batchSize: number, results: ScoreResult[]): Promise<void> {
    const groups = new Map<number[], PreparedScore[]>();
    for (const p of prepared) {
      let g = groups.get(p.context);
      if (!g) groups.set(p.context, (g = []));
      g.push(p);
    }
    const prompts = [...groups.entries()].sort((a, b) => b[0].length - a[0].length);
    for (let i = 0; i < prompts.length; i += batchSize) {
      const batch = prompts.slice(i, i + batchSize);
      const width = batch[0]![0].length;
      const ids = batch.map(([ctx]) => [...ctx, ...new Array<number>(width - ctx.length).fill(this.padId)]);
      const mask = batch.map(([ctx]) => [...new Array<number>(ctx.length).fill(1), ...new Array<number>(width - ctx.length).fill(0)]);
      const first = await this.session.run(this.feeds(ids, mask, undefined), this.cacheFetches);
      const firstLogits = toFloat32(first['logits']!);
      const vocab = first['logits']!.dims[2]!;
      // Candidates with more than one token continue from a copy of their prompt's cache row.
      const rows: { p: PreparedScore; promptRow: number }[] = [];
      batch.forEach(([, cands], b) => cands.forEach((p) => p.continuation.length > 1 && rows.push({ p, promptRow: b })));
      const restLogits = new Map<PreparedScore, { logits: Float32Array; row: number; steps: number }>();
      for (let r = 0; r < rows.length; r += batchSize * 4) {
        const part = rows.slice(r, r + batchSize * 4);
        const steps = Math.max(...part.map(({ p }) => p.continuation.length - 1));
        const contIds = part.map(({ p }) => [...p.continuation.slice(0, -1), ...new Array<number>(steps - p.continuation.length + 1).fill(this.padId)]);
        const contMask = part.map(({ p, promptRow }) => [
          ...mask[promptRow]!,
          ...new Array<number>(p.continuation.length - 1).fill(1),
          ...new Array<number>(steps - p.continuation.length + 1).fill(0),
        ]);
        const past = this.tilePast(
          first,
          part.map(({ promptRow }) => promptRow),
        );
        const out = await this.session.run(this.feeds(contIds, contMask, past), ['logits']);
        const logits = toFloat32(out['logits']!);
        part.forEach(({ p }, row) => restLogits.set(p, { logits, row, steps }));
      }
      batch.forEach(([ctx, cands], b) => {
        for (const p of cands) {
          const rest = restLogits.get(p);
          // Token 0 is predicted by the prompt pass's last real position, the rest by the continuation pass.
          results[p.index] = this.sumLogprobs(vocab, p.continuation, (j) =>
            j === 0 ? [firstLogits, (b * width + ctx.length - 1) * vocab] : [rest!.logits, (rest!.row * rest!.steps + j - 1) * vocab],
          );
        }
      });
    }
  }

  private get cacheFetches(): string[] {
    return this.session.outputNames.filter((n) => n === 'logits' || n.startsWith('present'));
  }

  /** Copies rows of a pass's present.* tensors into past_key_values.* for a new batch (one source row per new row). */
  private tilePast(out: ort.InferenceSession.OnnxValueMapType, sourceRows: readonly number[]): Record<string, ort.Tensor> {
    const past: Record<string, ort.Tensor> = {};
    for (const [name, value] of Object.entries(out)) {
      if (!name.startsWith('present')) continue;
      const t = value as ort.Tensor;
      const [, heads, length, dim] = t.dims as [number, number, number, number];
      const rowSize = heads * length * dim;
      const src = t.data as Float32Array | Uint16Array;
      const dst = src instanceof Uint16Array ? new Uint16Array(sourceRows.length * rowSize) : new Float32Array(sourceRows.length * rowSize);
      sourceRows.forEach((s, r) => dst.set(src.subarray(s * rowSize, (s + 1) * rowSize), r * rowSize));
      past[name.replace(/^present/, 'past_key_values')] = new ort.Tensor(t.type as 'float32', dst as Float32Array, [sourceRows.length, heads, length, dim]);
    }
    return past;
  }

  /** One full pass per padded batch: graphs without a cache or explicit positions, and over-long inputs. */
  private async scoreFullPasses(prepared: PreparedScore[], batchSize: number, results: ScoreResult[]): Promise<void> {
    // Longest first, as lm-evaluation-harness does: padding stays small and an out-of-memory shows up at once.
    prepared.sort((a, b) => b.input.length - a.input.length || a.index - b.index);
    for (let i = 0; i < prepared.length; i += batchSize) {
      const batch = prepared.slice(i, i + batchSize);
      const width = batch[0]!.input.length;
      // Right padding: every row keeps positions 0..n-1 and the causal mask hides the pads from real tokens.
      const ids = batch.map((p) => [...p.input, ...new Array<number>(width - p.input.length).fill(this.padId)]);
      const mask = batch.map((p) => [...new Array<number>(p.input.length).fill(1), ...new Array<number>(width - p.input.length).fill(0)]);
      const logitsTensor = await this.forward(ids, mask);
      const vocab = logitsTensor.dims[2]!;
      const logits = toFloat32(logitsTensor);
      batch.forEach((p, row) => {
        results[p.index] = this.sumLogprobs(vocab, p.continuation, (j) => [logits, (row * width + p.start + j) * vocab]);
      });
    }
  }

  /** lm-evaluation-harness's token boundary: continuation tokens are what prompt+continuation adds to the prompt. */
  private prepareScore(r: ScoreRequest, cache: Map<string, number[]>): Omit<PreparedScore, 'index'> | ItemFailure {
    let prompt = r.prompt;
    let continuation = r.continuation;
    // Trailing prompt whitespace belongs to the continuation, so " Paris" is tokenised as the model would emit it.
    const trailing = prompt.length - prompt.trimEnd().length;
    if (trailing > 0) {
      continuation = prompt.slice(prompt.length - trailing) + continuation;
      prompt = prompt.slice(0, prompt.length - trailing);
    }
    let context = cache.get(prompt);
    if (!context) cache.set(prompt, (context = this.encode(prompt)));
    const whole = this.encode(prompt + continuation);
    const cont = whole.slice(context.length);
    if (cont.length === 0) return failure('CPI_EMPTY_CONTINUATION', `the continuation ${JSON.stringify(r.continuation)} tokenises to nothing`);
    if (cont.length > this.maxLength)
      return failure('CPI_CONTINUATION_TOO_LONG', `the continuation has ${cont.length} tokens; the model takes ${this.maxLength}`);
    // The model reads the prompt's own tokens then the continuation's (lm-evaluation-harness's
    // context_enc + continuation_enc), keeping the end of an over-long prompt (left truncation).
    const input = [...context, ...cont].slice(-(this.maxLength + 1), -1);
    return { input, start: input.length - cont.length, continuation: cont, context };
  }

  async generate(prompts: readonly string[], options: GenerateOptions & { batchSize: number }): Promise<GenerateResult[]> {
    const results: GenerateResult[] = new Array<GenerateResult>(prompts.length);
    const maxPrompt = Math.max(1, this.maxLength - options.maxNewTokens);
    const encoded = prompts.map((p, index) => ({ index, ids: this.encode(p).slice(-maxPrompt) }));
    for (const e of encoded) if (e.ids.length === 0) results[e.index] = failure('CPI_EMPTY_PROMPT', 'the prompt tokenises to nothing');
    const todo = encoded.filter((e) => e.ids.length > 0).sort((a, b) => b.ids.length - a.ids.length || a.index - b.index);
    // Without a position_ids input the graph counts positions from 0 at the first column, so left padding
    // would shift them: such graphs only batch prompts of equal length.
    const batches: (typeof todo)[] = [];
    for (const e of todo) {
      const last = batches[batches.length - 1];
      const fits = last && last.length < options.batchSize && (this.graph.hasPositionIds || last[0]!.ids.length === e.ids.length);
      if (fits) last.push(e);
      else batches.push([e]);
    }
    for (const batch of batches) {
      const out = await this.generateBatch(
        batch.map((b) => b.ids),
        options,
      );
      batch.forEach((b, row) => (results[b.index] = out[row]!));
    }
    return results;
  }

  private async generateBatch(prompts: number[][], options: GenerateOptions): Promise<GenerateResult[]> {
    const width = Math.max(...prompts.map((p) => p.length));
    let ids = prompts.map((p) => [...new Array<number>(width - p.length).fill(this.padId), ...p]);
    const mask = prompts.map((p) => [...new Array<number>(width - p.length).fill(0), ...new Array<number>(p.length).fill(1)]);
    const generated: number[][] = prompts.map(() => []);
    const done: (GenerateResult | undefined)[] = prompts.map(() => undefined);
    const maxNew = Math.min(options.maxNewTokens, this.maxLength - width);
    let past: Record<string, ort.Tensor> | undefined;
    let full = ids.map((r) => [...r]);
    const useCache = this.graph.hasPastKeyValues && this.checkpoint.config.useCache;
    const fetches = useCache ? this.cacheFetches : ['logits'];
    // Decoding every step is only needed to look for stop strings.
    const hasStops = options.stop.some((s) => s.length > 0);
    for (let step = 0; step < maxNew; step++) {
      const out = await this.session.run(this.feeds(useCache ? ids : full, mask, past), fetches);
      const logitsTensor = out['logits']!;
      const [, steps, vocab] = logitsTensor.dims as [number, number, number];
      const logits = toFloat32(logitsTensor);
      if (useCache) past = this.presentsAsPast(out);
      const next: number[] = [];
      prompts.forEach((_, row) => {
        if (done[row]) return void next.push(this.padId);
        const token = argmax(logits, (row * steps + steps - 1) * vocab, vocab);
        if (token < 0) {
          done[row] = failure('CPI_NAN_LOGITS', 'the model produced NaN logits while generating');
          return void next.push(this.padId);
        }
        next.push(token);
        if (token === this.eosId) return void (done[row] = this.finish(generated[row]!, 'eos', options));
        generated[row]!.push(token);
        if (hasStops) {
          const text = this.decode(generated[row]!);
          if (options.stop.some((s) => s && text.includes(s))) done[row] = this.finish(generated[row]!, 'stop_string', options);
        }
      });
      if (done.every(Boolean)) break;
      ids = next.map((t) => [t]);
      if (!useCache) full = full.map((r, row) => [...r, next[row]!]);
      for (const m of mask) m.push(1);
    }
    return done.map((d, row) => d ?? this.finish(generated[row]!, 'max_tokens', options));
  }

  private presentsAsPast(out: ort.InferenceSession.OnnxValueMapType): Record<string, ort.Tensor> {
    const past: Record<string, ort.Tensor> = {};
    for (const [name, value] of Object.entries(out)) {
      if (name.startsWith('present')) past[name.replace(/^present/, 'past_key_values')] = value as ort.Tensor;
    }
    return past;
  }

  private decode(tokens: number[]): string {
    // A model may stop at once (EOS first): that is an empty answer, and transformers.js refuses to decode [].
    if (tokens.length === 0) return '';
    return this.tokenizer.decode(tokens, { skip_special_tokens: true });
  }

  private finish(tokens: number[], reason: 'eos' | 'stop_string' | 'max_tokens', options: GenerateOptions): GenerateResult {
    let text = this.decode(tokens);
    let stopReason = reason;
    let cut = -1;
    for (const s of options.stop) {
      const at = s ? text.indexOf(s) : -1;
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      text = text.slice(0, cut);
      stopReason = 'stop_string';
    }
    return { ok: true, text, tokenCount: tokens.length, tokenIds: [...tokens], stopReason };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Whether `auto` has already found CUDA unusable in this process, and why. */
export function cudaFallbackReason(): string | undefined {
  return cudaUnavailable;
}
