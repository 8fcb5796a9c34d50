// The shapes an exported checkpoint can take: the layouts and input/output sets that real Optimum and
// transformers.js exports have, so the runner can be tested against each of them.

/** How a checkpoint's ONNX graph is laid out. */
export interface ExportVariant {
  /** Where the graph lives in the checkpoint folder (transformers.js' default layout is `onnx/model.onnx`). */
  graphFile: 'model.onnx' | 'decoder_model_merged.onnx' | 'onnx/model.onnx';
  /** Inputs `past_key_values.{i}.key/value` and outputs `present.{i}.key/value`. */
  withPast: boolean;
  /** A `use_cache_branch` bool [1] input as in Optimum's merged decoder; false ignores the past inputs. Needs `withPast`. */
  cacheBranch: boolean;
  /** A `position_ids` input; without it, positions come from the attention mask (cumsum - 1, clipped at 0). */
  positionIds: boolean;
  /** Weights, cache and logits in float16 (compute is float32 inside the graph). */
  dtype: 'fp32' | 'fp16';
  /** Weights in `<graph file>_data` beside the graph, as exports over 2 GB must be. */
  externalData: boolean;
}

/** fp32 `model.onnx` with a KV cache and `position_ids`, the form the runner sees most. */
export const DEFAULT_VARIANT: Readonly<ExportVariant> = Object.freeze({
  graphFile: 'model.onnx',
  withPast: true,
  cacheBranch: false,
  positionIds: true,
  dtype: 'fp32',
  externalData: false,
});
