// Writes one Hugging Face / Optimum-style ONNX checkpoint folder. Each file is written atomically, so a
// reader never sees a half-written graph; the same inputs always give the same bytes.
import { join } from 'node:path';
import { CpiError, writeFileAtomic, writeJsonAtomic } from '@cpi-bench/schemas';
import { buildGpt2Onnx, resolveVariant } from '../graph.ts';
import { hfConfigJson, hfGenerationConfigJson, hfTokenizerConfigJson } from '../hf-config.ts';
import { gpt2Dims, type Gpt2Config, type Gpt2Weights } from '../model.ts';
import { tokenizerVocabSize, type TokenizerJson } from '../tokenizer.ts';
import type { ExportVariant } from '../variant.ts';

/** What {@link writeCheckpoint} writes. */
export interface WriteCheckpointArgs {
  config: Gpt2Config;
  weights: Gpt2Weights;
  tokenizer: TokenizerJson;
  /** @default DEFAULT_VARIANT (fp32 `model.onnx` with past_key_values and position_ids) */
  variant?: Partial<ExportVariant>;
  /** A jinja chat template for tokenizer_config.json (needed by the `chat` prompt templates). */
  chatTemplate?: string;
  /** The training step this checkpoint was taken at; recorded in config.json as `cpi_step`. */
  step?: number;
}

/**
 * Writes `dir/config.json`, `tokenizer.json`, `tokenizer_config.json`, `generation_config.json` and the graph
 * (`variant.graphFile`, plus `<graph>_data` with `externalData`).
 * @example await writeCheckpoint('series/checkpoint-100', { config, weights, tokenizer, step: 100 });
 */
export async function writeCheckpoint(dir: string, args: WriteCheckpointArgs): Promise<void> {
  const variant = resolveVariant(args.variant);
  const dims = gpt2Dims(args.config);
  const tokenizerSize = tokenizerVocabSize(args.tokenizer);
  if (tokenizerSize > dims.V) {
    throw new CpiError('CPI_ONNX_GPT2_BAD_CONFIG', `the tokenizer has ${tokenizerSize} ids but config.vocabSize is ${dims.V}`, {
      pointer: '/vocabSize', hint: 'set vocabSize to at least the tokenizer size (tokenizerVocabSize(tokenizer))',
    });
  }
  const model = buildGpt2Onnx(args.config, args.weights, variant);
  const config = hfConfigJson(args.config, args.tokenizer, variant);
  if (args.step !== undefined) config['cpi_step'] = args.step;

  const graphPath = join(dir, variant.graphFile);
  // Data before the graph: a reader that finds the graph finds its weights.
  if (model.externalData && model.externalDataFile) await writeFileAtomic(join(graphPath, '..', model.externalDataFile), model.externalData);
  await writeFileAtomic(graphPath, model.graph);
  await writeJsonAtomic(join(dir, 'tokenizer.json'), args.tokenizer);
  await writeJsonAtomic(join(dir, 'tokenizer_config.json'), hfTokenizerConfigJson(args.tokenizer, dims.P, args.chatTemplate));
  await writeJsonAtomic(join(dir, 'generation_config.json'), hfGenerationConfigJson(args.tokenizer));
  // config.json last: it is what marks the folder as a checkpoint.
  await writeJsonAtomic(join(dir, 'config.json'), config);
}
