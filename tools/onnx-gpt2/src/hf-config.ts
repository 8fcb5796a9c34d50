// The Hugging Face JSON files that sit beside the graph: config.json, tokenizer_config.json and
// generation_config.json, in the form transformers and transformers.js read for GPT-2.
import { gpt2Dims, type Gpt2Config } from './model.ts';
import { END_OF_TEXT, tokenId, type TokenizerJson } from './tokenizer.ts';
import type { ExportVariant } from './variant.ts';

/** The transformers version whose file format these files follow. */
const TRANSFORMERS_VERSION = '4.46.0';

/** config.json for GPT2LMHeadModel (plus `num_key_value_heads` for grouped-query attention). */
export function hfConfigJson(config: Gpt2Config, tokenizer: TokenizerJson, variant: ExportVariant): Record<string, unknown> {
  const dims = gpt2Dims(config);
  const eos = tokenId(tokenizer, END_OF_TEXT);
  const json: Record<string, unknown> = {
    _name_or_path: 'cpi-bench/onnx-gpt2',
    activation_function: 'gelu_new',
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: 0,
    bos_token_id: eos,
    embd_pdrop: 0,
    eos_token_id: eos,
    initializer_range: 0.02,
    layer_norm_epsilon: dims.eps,
    model_type: 'gpt2',
    n_ctx: dims.P,
    n_embd: dims.D,
    n_head: dims.H,
    n_inner: null,
    n_layer: dims.L,
    n_positions: dims.P,
    resid_pdrop: 0,
    scale_attn_weights: true,
    tie_word_embeddings: true,
    torch_dtype: variant.dtype === 'fp16' ? 'float16' : 'float32',
    transformers_version: TRANSFORMERS_VERSION,
    use_cache: variant.withPast,
    vocab_size: dims.V,
  };
  if (dims.kvH !== dims.H) json['num_key_value_heads'] = dims.kvH;
  // transformers.js only fetches `<graph>_data` when told to.
  if (variant.externalData) json['transformers.js_config'] = { use_external_data_format: true };
  return json;
}

/** tokenizer_config.json for GPT2Tokenizer; `<|endoftext|>` is bos, eos, unk (and the pad a runner should use). */
export function hfTokenizerConfigJson(tokenizer: TokenizerJson, modelMaxLength: number, chatTemplate?: string): Record<string, unknown> {
  tokenId(tokenizer, END_OF_TEXT); // fails early, with a clear code, on a tokenizer without it
  const json: Record<string, unknown> = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(tokenizer.added_tokens.map((t) => [String(t.id), {
      content: t.content, lstrip: t.lstrip, normalized: t.normalized, rstrip: t.rstrip, single_word: t.single_word, special: t.special,
    }])),
    bos_token: END_OF_TEXT,
    clean_up_tokenization_spaces: false,
    eos_token: END_OF_TEXT,
    errors: 'replace',
    model_max_length: modelMaxLength,
    pad_token: null,
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: END_OF_TEXT,
  };
  if (chatTemplate !== undefined) json['chat_template'] = chatTemplate;
  return json;
}

/** generation_config.json: eos stops generation; nothing else is set, so callers' options decide. */
export function hfGenerationConfigJson(tokenizer: TokenizerJson): Record<string, unknown> {
  const eos = tokenId(tokenizer, END_OF_TEXT);
  return { _from_model_config: true, bos_token_id: eos, eos_token_id: eos, transformers_version: TRANSFORMERS_VERSION };
}
