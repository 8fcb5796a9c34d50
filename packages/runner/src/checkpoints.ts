// Pure rules for checkpoint series: which folder name carries which step, which graph file a folder uses,
// and the order of a sweep. The file-system side (listing, reading, hashing) is in io/checkpoints.ts.
import { stepFromName } from '@cpi-bench/schemas';

/** `--dtype` values: transformers.js's names for the graph files it publishes (`onnx/model_<suffix>.onnx`). */
export const DTYPES = ['auto', 'fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const;
export type GraphDtype = (typeof DTYPES)[number];

/** transformers.js's file suffix per dtype (its `DEFAULT_DTYPE_SUFFIX_MAPPING`): q8 is `_quantized`. */
const DTYPE_SUFFIX: Record<Exclude<GraphDtype, 'auto'>, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

/** Graph stems in the order the runner prefers them: Optimum's folder layout, then transformers.js's onnx/ one. */
const GRAPH_STEMS = ['decoder_model_merged', 'model', 'onnx/decoder_model_merged', 'onnx/model'] as const;

/** fp32 graph files of an Optimum or transformers.js export, in the order the runner prefers them. */
export const GRAPH_FILES = GRAPH_STEMS.map((s) => `${s}.onnx`);

/**
 * The graph files to look for under a `--dtype`. `auto` takes fp32 first, then any other dtype's file (a
 * transformers.js folder may hold only `onnx/model_quantized.onnx`); fp16 prefers its own files and falls
 * back to fp32 (the run then refuses the mismatch); the quantized dtypes take only their own files.
 */
export function graphFilesFor(dtype: GraphDtype): readonly string[] {
  const filesOf = (d: Exclude<GraphDtype, 'auto'>): string[] => GRAPH_STEMS.map((s) => `${s}${DTYPE_SUFFIX[d]}.onnx`);
  if (dtype === 'auto') return (Object.keys(DTYPE_SUFFIX) as Exclude<GraphDtype, 'auto'>[]).flatMap(filesOf);
  if (dtype === 'fp32') return GRAPH_FILES;
  if (dtype === 'fp16') return [...filesOf('fp16'), ...GRAPH_FILES];
  return filesOf(dtype);
}

/**
 * External weight files of a graph among the names in its folder: Optimum's `model.onnx_data`, the
 * model builder's `model.onnx.data`, and transformers.js's chunks `model.onnx_data_1`, `_2`, ….
 */
export function externalDataNames(graphName: string, names: readonly string[]): string[] {
  const chunk = new RegExp(`^${graphName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:_data|\\.data)(?:_\\d+)?$`);
  return names.filter((n) => chunk.test(n)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Files every checkpoint needs besides a graph (a model-builder folder's genai_config.json stands in for config.json). */
export const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;

/**
 * Tokenizer files that, when present, go into the tokenizer hash. transformers 5 saves the chat template to
 * chat_template.jinja instead of tokenizer_config.json.
 */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja'] as const;

/** Files that change what generation does (its stop ids), hashed with the model when present. */
export const GENERATION_FILES = ['generation_config.json'] as const;

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

/** The discovered series, one line per checkpoint (step, folder, layout), printed before a run. */
export function describeSeries(checkpoints: readonly { step: number; path: string; graphFile: string; externalData: string[]; genai: boolean }[]): string {
  const rows = checkpoints.map((c) => [
    String(c.step),
    c.path,
    [c.genai ? `genai_config.json -> ${c.graphFile}` : c.graphFile, ...(c.externalData.length > 0 ? [`+ ${c.externalData.join(', ')}`] : [])].join(' '),
  ]);
  const width = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length), i === 0 ? 4 : 6));
  const line = (r: string[]): string => `  ${r[0]!.padStart(width[0]!)}  ${r[1]!.padEnd(width[1]!)}  ${r[2]}`;
  return [`series of ${checkpoints.length} checkpoint(s):`, line(['step', 'folder', 'layout']), ...rows.map(line)].join('\n');
}
