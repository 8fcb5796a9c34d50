// The public entry to the ONNX backend. Its declarations name only this package's own types: onnx.ts's
// would pull onnxruntime-node's and transformers.js's declarations into a user's type check, and those do
// not compile under strict library checks (DOM types, extensionless relative imports).
import type { CheckpointFiles, LanguageModel, LoadModelOptions } from './types.ts';
import * as onnx from './onnx.ts';

/** Loads a checkpoint: its tokenizer, its session (on the chosen device) and a two-token probe run. */
export const loadOnnxModel: (checkpoint: CheckpointFiles, options: LoadModelOptions) => Promise<LanguageModel> = onnx.loadOnnxModel;

/** Whether `auto` has already found CUDA unusable in this process, and why. */
export const cudaFallbackReason: () => string | undefined = onnx.cudaFallbackReason;
