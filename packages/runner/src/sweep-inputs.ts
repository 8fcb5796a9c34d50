// What a sweep computes, read from its options the same way by runBenchmark and by a queue worker: the prompt
// template, the checkpoints, the items, the generation settings and the full plan. Reads files; plans purely.
import { readDataset, renderPrompt } from '@cpi-bench/generator';
import type { PromptTemplate } from '@cpi-bench/schemas';
import { describeSeries } from './checkpoints.ts';
import { modesOf, type RunOptions } from './config.ts';
import { loadCheckpointSeries, type ResolvedCheckpoint } from './io/checkpoints.ts';
import { planRun, renderOptions, resolveTemplate, type CheckpointPlan, type GenerationSettings } from './plan.ts';
import { sliceItems } from './records.ts';

export interface SweepInputs {
  template: PromptTemplate;
  checkpoints: ResolvedCheckpoint[];
  dataset: Awaited<ReturnType<typeof readDataset>>;
  items: Awaited<ReturnType<typeof readDataset>>['items'];
  generation: GenerationSettings & { stop: string[] };
  /** Every job of every checkpoint (a shard keeps some of them). */
  plan: CheckpointPlan[];
}

/** Reads and checks the sweep's inputs; `onNotice` hears the series table and the checkpoint notes. */
export async function readSweepInputs(options: RunOptions, onNotice?: (message: string) => void): Promise<SweepInputs> {
  const template = resolveTemplate(options.template);
  const checkpoints = await loadCheckpointSeries(options.checkpoints, { dtype: options.dtype, ...(onNotice ? { onNotice } : {}) });
  onNotice?.(describeSeries(checkpoints.map((c) => ({ step: c.manifest.step, path: c.manifest.path, ...c.layout }))));
  const dataset = await readDataset(options.dataset, options.splits ? { splits: [...options.splits] } : {});
  const items = sliceItems(dataset.items, options.limit);
  for (const cp of checkpoints) renderPrompt(template, items[0]!, renderOptions(cp)); // a chat template without one fails here
  const generation = { maxNewTokens: options.maxNewTokens, stop: [...options.stop] };
  return { template, checkpoints, dataset, items, generation, plan: planRun(checkpoints, items, template, modesOf(options.mode), generation) };
}
