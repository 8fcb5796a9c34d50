// `--batch-size auto`: the batch size from the model's size and the memory the device can give a batch.
// Pure but for resolveBatchSize, which reads the free memory. Results do not depend on the batch size (a test holds log-probabilities within 1e-4 across sizes),
// so this only decides speed and whether a batch fits.
import { freemem, totalmem } from 'node:os';
import type { CheckpointFiles, DeviceChoice, GraphInfo } from './types.ts';

export interface AutoBatchInput {
  graph: Pick<GraphInfo, 'numLayers' | 'numKeyValueHeads' | 'headDim' | 'vocabSize' | 'dtype'>;
  device: 'cpu' | 'cuda';
  /** The longest sequence a batch row may hold (the model's context window, capped by the caller). */
  maxTokens: number;
  /** Bytes a batch may use: host memory on the CPU (the logits come back to it on either device). */
  memoryBytes: number;
}

/**
 * On the CPU a forward pass is compute-bound already at a few rows, so batches past 16 only add padding;
 * on a GPU larger batches keep it busy, up to 64. Either way a batch of maxTokens-long rows must fit in
 * `memoryBytes`: per row, the full-sequence fp32 logits (the largest tensor with a big vocabulary), the KV
 * cache twice (the pass's present.* and a tiled copy), and a margin for activations.
 */
export function autoBatchSize({ graph, device, maxTokens, memoryBytes }: AutoBatchInput): number {
  const cap = device === 'cuda' ? 64 : 16;
  const kvBytes = graph.dtype === 'fp16' ? 2 : 4;
  const logits = maxTokens * graph.vocabSize * 4;
  const cache = 2 * 2 * graph.numLayers * graph.numKeyValueHeads * graph.headDim * maxTokens * kvBytes;
  const perRow = (logits + cache) * 1.5;
  return Math.max(1, Math.min(cap, Math.floor(memoryBytes / perRow)));
}

/** Host memory a batch may take: a quarter of the machine, at most half of what is free now. */
export function batchMemoryBudget(totalBytes: number, freeBytes: number): number {
  return Math.min(totalBytes / 4, freeBytes / 2);
}

/**
 * The run's batch size: a number as given; `auto` from the checkpoint's shape and this machine's free memory
 * now. The device is not known before a session loads: `auto` and `cpu` size for the CPU, `cuda` for a GPU.
 */
export function resolveBatchSize(batchSize: number | 'auto', files: Pick<CheckpointFiles, 'config'>, device: DeviceChoice): number {
  if (batchSize !== 'auto') return batchSize;
  const c = files.config;
  const graph = { numLayers: c.numLayers, numKeyValueHeads: c.numKeyValueHeads, headDim: c.headDim, vocabSize: c.vocabSize, dtype: 'fp32' as const };
  // Rows longer than 2048 tokens are rare in this benchmark's suites; sizing for the full window of a
  // 128k-context model would leave batches of one.
  const maxTokens = Math.min(c.maxLength, 2048);
  return autoBatchSize({ graph, device: device === 'cuda' ? 'cuda' : 'cpu', maxTokens, memoryBytes: batchMemoryBudget(totalmem(), freemem()) });
}
