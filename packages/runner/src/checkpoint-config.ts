// Reads the few config.json fields the runner needs, across model families (GPT-2 names them n_*, Llama,
// Mistral and Pythia name them *_size / num_*). Pure: takes the parsed JSON, returns values or a CpiError.
import { CpiError } from '@cpi-bench/schemas';

/** The shape of a decoder, as config.json describes it. */
export interface ModelConfig {
  modelType: string;
  vocabSize: number;
  /** Longest sequence the position embeddings cover. */
  maxLength: number;
  numLayers: number;
  numHeads: number;
  /** Grouped-query attention: fewer key/value heads than query heads (Llama, Mistral). */
  numKeyValueHeads: number;
  headDim: number;
  useCache: boolean;
}

function int(config: Record<string, unknown>, names: readonly string[]): number | undefined {
  for (const n of names) {
    const v = config[n];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  return undefined;
}

/** Parses config.json (already JSON.parsed) into a ModelConfig. */
export function parseModelConfig(raw: unknown, file: string): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CpiError('CPI_CHECKPOINT_BAD_CONFIG', 'config.json is not a JSON object', { file });
  }
  const c = raw as Record<string, unknown>;
  const need = (names: readonly string[]): number => {
    const v = int(c, names);
    if (v === undefined) {
      throw new CpiError('CPI_CHECKPOINT_BAD_CONFIG', `config.json has no positive integer ${names.join(' or ')}`, {
        file,
        pointer: `/${names[0]}`,
        hint: 'export the checkpoint with Optimum (or tools/onnx-gpt2), which writes the model config beside the graph',
      });
    }
    return v;
  };
  const numHeads = need(['n_head', 'num_attention_heads']);
  const hidden = need(['n_embd', 'hidden_size', 'd_model']);
  const numKeyValueHeads = int(c, ['num_key_value_heads', 'n_kv_head', 'multi_query_group_num']) ?? numHeads;
  return {
    modelType: typeof c['model_type'] === 'string' && c['model_type'] ? c['model_type'] : 'unknown',
    vocabSize: need(['vocab_size']),
    maxLength: int(c, ['n_positions', 'max_position_embeddings', 'n_ctx', 'seq_length']) ?? 2048,
    numLayers: need(['n_layer', 'num_hidden_layers', 'num_layers']),
    numHeads,
    numKeyValueHeads,
    headDim: int(c, ['head_dim']) ?? Math.floor(hidden / numHeads),
    useCache: c['use_cache'] !== false,
  };
}

/** Size of a Hugging Face tokenizer.json vocabulary: one more than its largest id, added tokens included. */
export function tokenizerVocabSize(raw: unknown, file: string): number {
  const t = raw as { model?: { vocab?: unknown }; added_tokens?: unknown } | null;
  if (typeof t !== 'object' || t === null || typeof t.model !== 'object' || t.model === null) {
    throw new CpiError('CPI_CHECKPOINT_BAD_TOKENIZER', 'tokenizer.json has no "model" object', { file, pointer: '/model' });
  }
  let max = -1;
  const vocab = t.model.vocab;
  if (Array.isArray(vocab))
    max = vocab.length - 1; // Unigram: [[piece, score], ...]
  else if (typeof vocab === 'object' && vocab !== null) for (const id of Object.values(vocab)) if (typeof id === 'number' && id > max) max = id;
  if (Array.isArray(t.added_tokens)) {
    for (const a of t.added_tokens as { id?: unknown }[]) if (typeof a.id === 'number' && a.id > max) max = a.id;
  }
  if (max < 0) throw new CpiError('CPI_CHECKPOINT_BAD_TOKENIZER', 'tokenizer.json has an empty vocabulary', { file, pointer: '/model/vocab' });
  return max + 1;
}

/**
 * The stop ids of a generation_config.json (or a genai_config.json `model` object): `eos_token_id` is one
 * id or a list (instruct models list several, e.g. Llama-3's <|eot_id|> beside <|end_of_text|>).
 */
export function eosTokenIds(raw: unknown, file: string): number[] {
  const v = (raw as { eos_token_id?: unknown } | null)?.eos_token_id;
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) {
    throw new CpiError('CPI_CHECKPOINT_BAD_CONFIG', 'eos_token_id must be a token id or a list of token ids', { file, pointer: '/eos_token_id' });
  }
  return list as number[];
}

interface GenaiConfig {
  model?: {
    type?: unknown;
    vocab_size?: unknown;
    context_length?: unknown;
    decoder?: { filename?: unknown; num_hidden_layers?: unknown; num_attention_heads?: unknown; num_key_value_heads?: unknown; head_size?: unknown; hidden_size?: unknown };
  };
}

/** The graph an onnxruntime-genai model-builder folder runs: genai_config.json's model.decoder.filename. */
export function genaiGraphFile(raw: unknown, file: string): string {
  const name = (raw as GenaiConfig | null)?.model?.decoder?.filename;
  if (typeof name !== 'string' || name === '' || name.includes('..')) {
    throw new CpiError('CPI_CHECKPOINT_BAD_CONFIG', 'genai_config.json names no graph file', { file, pointer: '/model/decoder/filename' });
  }
  return name;
}

/** A ModelConfig from genai_config.json, for model-builder folders that carry no config.json. */
export function parseGenaiConfig(raw: unknown, file: string): ModelConfig {
  const m = (raw as GenaiConfig | null)?.model;
  const d = m?.decoder ?? {};
  const flat: Record<string, unknown> = {
    model_type: m?.type,
    vocab_size: m?.vocab_size,
    max_position_embeddings: m?.context_length,
    num_hidden_layers: d.num_hidden_layers,
    num_attention_heads: d.num_attention_heads,
    num_key_value_heads: d.num_key_value_heads,
    head_dim: d.head_size,
    hidden_size: d.hidden_size,
  };
  return parseModelConfig(flat, file);
}
