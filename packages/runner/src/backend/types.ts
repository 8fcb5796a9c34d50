// The runner's view of a language model, modelled on lm-evaluation-harness's `LM`: score continuations
// (log-likelihood) and generate until a stop, each over a batch. Pure types; onnx.ts implements them.
import type { ModelConfig } from '../checkpoint-config.ts';

/** An item-level failure: stored in the item's record, never thrown. */
export interface ItemFailure {
  ok: false;
  error: { code: `CPI_${string}`; message: string };
}

/** One log-likelihood request: how likely is `continuation` right after `prompt`? */
export interface ScoreRequest {
  prompt: string;
  continuation: string;
}

/** The log-probability of a continuation, summed over its tokens. */
export interface ScoreSuccess {
  ok: true;
  logprob: number;
  tokenCount: number;
  /** Every continuation token is the argmax (lm-evaluation-harness's is_greedy). */
  greedy: boolean;
}
export type ScoreResult = ScoreSuccess | ItemFailure;

export interface GenerateOptions {
  /** @default 16 */
  maxNewTokens: number;
  /** Generation stops at the first of these, which is cut from the text. */
  stop: readonly string[];
}

export interface GenerateSuccess {
  ok: true;
  /** The generated text after the prompt, cut at the first stop string. */
  text: string;
  tokenCount: number;
  /** The generated token ids (before any stop-string cut), for exact comparisons. */
  tokenIds: number[];
  stopReason: 'stop_string' | 'eos' | 'max_tokens';
}
export type GenerateResult = GenerateSuccess | ItemFailure;

/** What a loaded graph takes and gives; recorded in the CheckpointManifest. */
export interface GraphInfo {
  file: string;
  hasPastKeyValues: boolean;
  hasCacheBranch: boolean;
  hasPositionIds: boolean;
  externalData: boolean;
  numLayers: number;
  numKeyValueHeads: number;
  headDim: number;
  dtype: 'fp32' | 'fp16';
  /** Width of the logits, the model's vocabulary. */
  vocabSize: number;
  /** Logits for the last position only (a pruned LM head): generate mode works, score mode cannot. */
  lastPositionOnly: boolean;
}

/** How prompts are encoded: a chat template's output already holds its special tokens (BOS), so none are added. */
export interface EncodeOptions {
  /** @default true */
  addSpecialTokens?: boolean;
}

/** A loaded checkpoint: one inference session and its tokenizer. Call dispose() before loading the next. */
export interface LanguageModel {
  readonly graph: GraphInfo;
  readonly device: 'cpu' | 'cuda';
  /** Tokens the model can attend to at once (config n_positions / max_position_embeddings). */
  readonly maxLength: number;
  /** Log-likelihood of each continuation, batched; results are in request order. */
  scoreContinuations(requests: readonly ScoreRequest[], options: { batchSize: number } & EncodeOptions): Promise<ScoreResult[]>;
  /** Greedy decoding, batched with left padding; results are in request order. */
  generate(prompts: readonly string[], options: GenerateOptions & { batchSize: number } & EncodeOptions): Promise<GenerateResult[]>;
  /** Token ids of a text, as the model sees it. */
  encode(text: string, options?: EncodeOptions): number[];
  /** The text of token ids, special tokens skipped, as Hugging Face decodes it. */
  decode(tokens: number[]): string;
  dispose(): Promise<void>;
}

export type DeviceChoice = 'auto' | 'cpu' | 'cuda';

export interface LoadModelOptions {
  device: DeviceChoice;
  /** intraOpNumThreads; undefined lets onnxruntime choose. */
  threads?: number | undefined;
  /** The modes the run asks for: a graph that cannot score is refused up front when score is among them. */
  modes?: readonly ('score' | 'generate')[] | undefined;
  /** Told once, in one line, when `auto` falls back to the CPU. */
  onNotice?: ((message: string) => void) | undefined;
}

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
  /** generation_config.json's eos_token_id list (with the tokenizer's eos_token, each one stops generation). */
  eosTokenIds?: readonly number[];
}
