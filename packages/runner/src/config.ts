// The one typed configuration object of a benchmark run, and the single function that merges defaults in.
import { CpiError, type PromptTemplate } from '@cpi-bench/schemas';
import type { DeviceChoice } from './backend/types.ts';
import { DTYPES, type GraphDtype } from './checkpoints.ts';

export type RunMode = 'score' | 'generate' | 'both';

/** Everything a run is asked to do. */
export interface RunOptions {
  /** A series folder, one checkpoint folder, or a list of checkpoint folders. */
  checkpoints: string | readonly string[];
  /** A .jsonl file or a folder of .jsonl files of ConflictItems. */
  dataset: string;
  /** Keep only these splits. @default all four */
  splits: readonly string[] | undefined;
  /** @default 'both' */
  mode: RunMode;
  /** A prompt template id from the generator's registry, or a custom template (a run file's Jinja one). @default 'plain' */
  template: string | PromptTemplate;
  /** Evaluate only the first N items (taken round-robin across datasets and splits). */
  limit: number | undefined;
  /** The run folder. */
  out: string;
  /** @default 'auto' */
  device: DeviceChoice;
  /**
   * Which graph to run, by transformers.js's names (fp16 -> model_fp16.onnx, q8 -> model_quantized.onnx, …):
   * `auto` takes what the checkpoint has; the others insist on that export. @default 'auto'
   */
  dtype: GraphDtype;
  /** Sequences per inference call; `auto` picks it per checkpoint from the model's size and free memory. @default 8 */
  batchSize: number | 'auto';
  /** onnxruntime intraOpNumThreads. @default undefined (onnxruntime decides) */
  threads: number | undefined;
  /** @default 16 */
  maxNewTokens: number;
  /** Generation stops at any of these. @default ['\n'] */
  stop: readonly string[];
  /** Skip work already in predictions.jsonl. @default true */
  resume: boolean;
  /** A human label for the run (the report's legend). */
  label: string | undefined;
  /**
   * When `out` is bound to another series, dataset or settings: false refuses (CPI_RUN_FOLDER_BOUND or
   * CPI_RUN_CONFIG_MISMATCH); true runs in the sibling `<out>-<hash of the run>` instead. The CLI sets it for
   * the default folder, which the user did not choose. Stored predictions are never wiped either way.
   * @default false
   */
  moveAsideFromBoundFolder: boolean;
}

export const RUN_DEFAULTS = {
  splits: undefined,
  mode: 'both',
  template: 'plain',
  limit: undefined,
  device: 'auto',
  dtype: 'auto',
  batchSize: 8,
  threads: undefined,
  maxNewTokens: 16,
  stop: ['\n'],
  resume: true,
  label: undefined,
  moveAsideFromBoundFolder: false,
} as const satisfies Omit<RunOptions, 'checkpoints' | 'dataset' | 'out'>;

function positiveInt(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new CpiError('CPI_BAD_OPTION', `--${name} must be a positive integer, got ${value}`);
  }
}

/** Merges user options over the defaults and checks them. */
export function resolveRunOptions(
  input: { [K in keyof RunOptions]?: RunOptions[K] | undefined } & Pick<RunOptions, 'checkpoints' | 'dataset' | 'out'>,
): RunOptions {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<RunOptions>;
  const o: RunOptions = { ...RUN_DEFAULTS, ...defined } as RunOptions;
  if (!['score', 'generate', 'both'].includes(o.mode)) throw new CpiError('CPI_BAD_OPTION', `--mode must be score, generate or both, got ${o.mode}`);
  if (!['auto', 'cpu', 'cuda'].includes(o.device)) throw new CpiError('CPI_BAD_OPTION', `--device must be auto, cpu or cuda, got ${o.device}`);
  if (!(DTYPES as readonly string[]).includes(o.dtype)) throw new CpiError('CPI_BAD_OPTION', `--dtype must be one of ${DTYPES.join(', ')}, got ${o.dtype}`);
  if (o.batchSize !== 'auto') positiveInt('batch-size', o.batchSize);
  positiveInt('threads', o.threads);
  positiveInt('limit', o.limit);
  positiveInt('max-new-tokens', o.maxNewTokens);
  return o;
}

/** The modes a RunMode covers, in the order they run. */
export function modesOf(mode: RunMode): ('score' | 'generate')[] {
  return mode === 'both' ? ['score', 'generate'] : [mode];
}
