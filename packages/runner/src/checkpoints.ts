// Pure rules for checkpoint series: which folder name carries which step, which graph file a folder uses,
// and the order of a sweep. The file-system side (listing, reading, hashing) is in io/checkpoints.ts.
import { stepFromName } from '@cpi-bench/schemas';

/** Graph files of an Optimum export, in the order the runner prefers them. */
export const GRAPH_FILES = ['decoder_model_merged.onnx', 'model.onnx', 'onnx/model.onnx'] as const;

/** The graph files to look for when a dtype is asked for: its own exports first (transformers.js names them *_fp16). */
export function graphFilesFor(dtype: 'auto' | 'fp32' | 'fp16'): readonly string[] {
  if (dtype !== 'fp16') return GRAPH_FILES;
  return ['decoder_model_merged_fp16.onnx', 'model_fp16.onnx', 'onnx/model_fp16.onnx', ...GRAPH_FILES];
}

/** Files every checkpoint needs besides a graph. */
export const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;

/** Tokenizer files that, when present, go into the tokenizer hash. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'] as const;

// One step-from-name rule for the runner and metrics: it lives in @cpi-bench/schemas.
export { stepFromName };

/** Whether a folder name looks like one checkpoint of a series. */
export function looksLikeCheckpointName(name: string): boolean {
  return /(?:checkpoint|ckpt|step|iter)/i.test(name) && stepFromName(name) !== undefined;
}

/** Maps a config.json torch_dtype to the manifest's dtype. */
export function dtypeFromConfig(config: Record<string, unknown>): 'fp32' | 'fp16' | 'bf16' | 'unknown' {
  const t = config['torch_dtype'] ?? config['dtype'];
  if (t === 'float32') return 'fp32';
  if (t === 'float16') return 'fp16';
  if (t === 'bfloat16') return 'bf16';
  return 'unknown';
}

/** Orders checkpoints by step, then by path; two checkpoints at one step are an error the caller reports. */
export function orderByStep<T extends { step: number; path: string }>(checkpoints: readonly T[]): T[] {
  return [...checkpoints].sort((a, b) => a.step - b.step || a.path.localeCompare(b.path));
}
