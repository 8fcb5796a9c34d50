// A loaded checkpoint answering batched score and generate requests: lm-evaluation-harness's boundary,
// prompts shared through the KV cache; greedy decoding with the model's own stop ids is in greedy.ts.
// onnxruntime is reached only through the Runtime that onnx.ts (the one binding) hands in.
import { join } from 'node:path';
import { CpiError } from '@cpi-bench/schemas';
import { continuationTokens, joinBoundary } from './boundary.ts';
import { tokenLogprob } from './logits.ts';
import { GraphIO } from './graph-io.ts';
import { failure, greedyBatch, type Decoder } from './greedy.ts';
import { backendProfile as prof } from './profile.ts';
import { lengthBatches } from './batching.ts';
import type { Runtime, Session, Tokenizer } from './onnx.ts';
import type { CheckpointFiles } from './types.ts';
import type {
  EncodeOptions,
  GenerateOptions,
  GenerateResult,
  GraphInfo,
  ItemFailure,
  LanguageModel,
  ScoreRequest,
  ScoreResult,
} from './types.ts';

// Token ids of texts already encoded by the current tokenizer: a sweep re-encodes the same prompts at every
// checkpoint otherwise. One tokenizer at a time and a bounded size, so memory stays flat over a sweep.
const ENCODE_CACHE_MAX = 200_000;
let encodeCache: { tokenizerHash: string; ids: Map<string, number[]> } | undefined;


interface PreparedScore {
  index: number;
  input: number[];
  /** Position in `input` whose logits predict the first continuation token. */
  start: number;
  continuation: number[];
  /** The prompt's tokens (one shared array per distinct prompt). */
  context: number[];
}

export class OnnxLanguageModel implements LanguageModel {
  readonly maxLength: number;
  /** The graph's inputs and outputs as tensors. */
  private readonly io: GraphIO;
  private readonly padId: number;
  private readonly eosId: number | undefined;
  /** Every id that ends generation: the tokenizer's eos_token and generation_config.json's eos_token_id list. */
  private readonly stopIds: ReadonlySet<number>;

  constructor(
    private readonly session: Session,
    private readonly tokenizer: Tokenizer,
    readonly graph: GraphInfo,
    readonly device: 'cpu' | 'cuda',
    private readonly checkpoint: CheckpointFiles,
    private readonly runtime: Runtime,
  ) {
    this.maxLength = checkpoint.config.maxLength;
    const eos = tokenizer.eos_token_id as number | null | undefined;
    this.eosId = typeof eos === 'number' ? eos : undefined;
    const pad = tokenizer.pad_token_id as number | null | undefined;
    this.padId = typeof pad === 'number' ? pad : (this.eosId ?? 0);
    this.io = new GraphIO(session, graph, runtime);
    this.stopIds = new Set([...(this.eosId !== undefined ? [this.eosId] : []), ...(checkpoint.eosTokenIds ?? [])]);
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
    const logits = await this.io.forward([[this.eosId ?? 0, this.eosId ?? 0]], [[1, 1]]);
    const vocab = logits.dims[2] ?? 0;
    // Two tokens in, one logits row out: the LM head was pruned to the last position.
    if (logits.dims[1] === 1) this.graph.lastPositionOnly = true;
    if (vocab < this.checkpoint.tokenizerVocabSize) {
      throw new CpiError('CPI_TOKENIZER_VOCAB_MISMATCH', `the tokenizer has ${this.checkpoint.tokenizerVocabSize} tokens but the logits have ${vocab}`, {
        file: join(this.checkpoint.dir, 'tokenizer.json'),
      });
    }
    const data = this.runtime.toFloat32(logits);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        throw new CpiError('CPI_NAN_LOGITS', 'the model produces NaN or infinite logits on a one-token probe', {
          file: graphPath,
          hint: 'the checkpoint weights are broken (NaN/Inf, often from a diverged finetuning step); drop or re-export it',
        });
      }
    }
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const add = options.addSpecialTokens ?? true;
    const run = (): number[] => this.tokenizer.encode(text, { add_special_tokens: add }) as number[];
    const hash = this.checkpoint.tokenizerHash;
    if (hash === undefined) return run();
    if (encodeCache?.tokenizerHash !== hash) encodeCache = { tokenizerHash: hash, ids: new Map() };
    const key = (add ? '1' : '0') + text;
    let ids = encodeCache.ids.get(key);
    if (!ids) {
      ids = run();
      if (encodeCache.ids.size >= ENCODE_CACHE_MAX) encodeCache.ids.clear();
      encodeCache.ids.set(key, ids);
    }
    return ids;
  }

  async scoreContinuations(requests: readonly ScoreRequest[], options: { batchSize: number } & EncodeOptions): Promise<ScoreResult[]> {
    const results: ScoreResult[] = new Array<ScoreResult>(requests.length);
    const promptCache = new Map<string, number[]>();
    const prepared: PreparedScore[] = [];
    const add = options.addSpecialTokens ?? true;
    const mark = prof.start();
    requests.forEach((r, index) => {
      const p = this.prepareScore(r, promptCache, add);
      if ('ok' in p) results[index] = p;
      else prepared.push({ ...p, index });
    });
    prof.add('tokenise', mark);
    const shared = this.canSharePrompts ? prepared : [];
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
    for (const batch of lengthBatches(prompts, ([ctx]) => ctx.length, batchSize)) {
      let mark = prof.start();
      const width = batch[0]![0].length;
      const ids = batch.map(([ctx]) => [...ctx, ...new Array<number>(width - ctx.length).fill(this.padId)]);
      const mask = batch.map(([ctx]) => [...new Array<number>(ctx.length).fill(1), ...new Array<number>(width - ctx.length).fill(0)]);
      const feeds = this.io.feeds(ids, mask, undefined);
      mark = prof.add('feeds', mark);
      const first = await this.session.run(feeds, this.io.cacheFetches);
      mark = prof.add('session.run', mark);
      const firstLogits = this.runtime.toFloat32(first['logits']!);
      const vocab = first['logits']!.dims[2]!;
      mark = prof.add('logits', mark);
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
        mark = prof.add('feeds', mark);
        const past = this.io.tilePast(
          first,
          part.map(({ promptRow }) => promptRow),
        );
        mark = prof.add('cache', mark);
        const contFeeds = this.io.feeds(contIds, contMask, past);
        mark = prof.add('feeds', mark);
        const out = await this.session.run(contFeeds, ['logits']);
        mark = prof.add('session.run', mark);
        const logits = this.runtime.toFloat32(out['logits']!);
        part.forEach(({ p }, row) => restLogits.set(p, { logits, row, steps }));
        mark = prof.add('logits', mark);
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
      prof.add('logits', mark);
    }
  }

  /** One full pass per padded batch: graphs without a cache or explicit positions. */
  private async scoreFullPasses(prepared: PreparedScore[], batchSize: number, results: ScoreResult[]): Promise<void> {
    // Longest first, as lm-evaluation-harness does: padding stays small and an out-of-memory shows up at once.
    prepared.sort((a, b) => b.input.length - a.input.length || a.index - b.index);
    for (const batch of lengthBatches(prepared, (p) => p.input.length, batchSize)) {
      let mark = prof.start();
      const width = batch[0]!.input.length;
      // Right padding: every row keeps positions 0..n-1 and the causal mask hides the pads from real tokens.
      const ids = batch.map((p) => [...p.input, ...new Array<number>(width - p.input.length).fill(this.padId)]);
      const mask = batch.map((p) => [...new Array<number>(p.input.length).fill(1), ...new Array<number>(width - p.input.length).fill(0)]);
      const feeds = this.io.feeds(ids, mask, undefined);
      mark = prof.add('feeds', mark);
      const logitsTensor = (await this.session.run(feeds, ['logits']))['logits']!;
      mark = prof.add('session.run', mark);
      const vocab = logitsTensor.dims[2]!;
      const logits = this.runtime.toFloat32(logitsTensor);
      batch.forEach((p, row) => {
        results[p.index] = this.sumLogprobs(vocab, p.continuation, (j) => [logits, (row * width + p.start + j) * vocab]);
      });
      prof.add('logits', mark);
    }
  }

  /**
   * lm-evaluation-harness's token boundary: continuation tokens are what prompt+continuation adds to the
   * prompt's tokens. The prompt is encoded once per distinct prompt (an item's candidates share it).
   */
  private prepareScore(r: ScoreRequest, cache: Map<string, number[]>, addSpecialTokens: boolean): Omit<PreparedScore, 'index'> | ItemFailure {
    const { prompt, continuation } = joinBoundary(r.prompt, r.continuation);
    let context = cache.get(prompt);
    if (!context) cache.set(prompt, (context = this.encode(prompt, { addSpecialTokens })));
    const cont = continuationTokens(
      prompt,
      continuation,
      context,
      (t) => this.encode(t, { addSpecialTokens }),
      (t) => this.encode(t, { addSpecialTokens: false }),
    );
    if (cont.length === 0) return failure('CPI_EMPTY_CONTINUATION', `the continuation ${JSON.stringify(r.continuation)} tokenises to nothing`);
    if (cont.length > this.maxLength)
      return failure('CPI_CONTINUATION_TOO_LONG', `the continuation has ${cont.length} tokens; the model takes ${this.maxLength}`);
    // Never cut silently: an input longer than the context window is an item failure the summary counts.
    if (context.length + cont.length - 1 > this.maxLength) {
      return failure(
        'CPI_PROMPT_TOO_LONG',
        `the prompt (${context.length} tokens) and the continuation (${cont.length}) exceed the model's context window of ${this.maxLength} tokens`,
      );
    }
    const input = [...context, ...cont].slice(0, -1);
    return { input, start: context.length - 1, continuation: cont, context };
  }

  async generate(prompts: readonly string[], options: GenerateOptions & { batchSize: number } & EncodeOptions): Promise<GenerateResult[]> {
    const results: GenerateResult[] = new Array<GenerateResult>(prompts.length);
    const mark = prof.start();
    const encoded = prompts.map((p, index) => ({ index, ids: this.encode(p, { addSpecialTokens: options.addSpecialTokens ?? true }) }));
    prof.add('tokenise', mark);
    for (const e of encoded) {
      if (e.ids.length === 0) results[e.index] = failure('CPI_EMPTY_PROMPT', 'the prompt tokenises to nothing');
      // Never cut silently: a prompt that leaves no room for one new token is an item failure.
      else if (e.ids.length >= this.maxLength) {
        results[e.index] = failure('CPI_PROMPT_TOO_LONG', `the prompt has ${e.ids.length} tokens; the model's context window is ${this.maxLength}`);
      }
    }
    const todo = encoded.filter((e) => results[e.index] === undefined).sort((a, b) => b.ids.length - a.ids.length || a.index - b.index);
    // Without a position_ids input the graph counts positions from 0 at the first column, so left padding
    // would shift them: such graphs only batch prompts of equal length.
    const batches = lengthBatches(todo, (e) => e.ids.length, options.batchSize, (batch, e) => this.graph.hasPositionIds || batch[0]!.ids.length === e.ids.length);
    const decoder: Decoder = {
      session: this.session, runtime: this.runtime, io: this.io, useCache: this.graph.hasPastKeyValues && this.checkpoint.config.useCache,
      padId: this.padId, maxLength: this.maxLength, stopIds: this.stopIds, decode: (tokens) => this.decode(tokens),
    };
    for (const batch of batches) {
      const out = await greedyBatch(decoder, batch.map((b) => b.ids), options);
      batch.forEach((b, row) => (results[b.index] = out[row]!));
    }
    return results;
  }

  decode(tokens: number[]): string {
    // A model may stop at once (EOS first): that is an empty answer, and transformers.js refuses to decode [].
    if (tokens.length === 0) return '';
    return this.tokenizer.decode(tokens, { skip_special_tokens: true });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

