// The paper's §6 counterfactual augmentation: mix in examples whose context contradicts a known fact and
// whose target is the context's answer, so finetuning rewards reading the context over memory.
import { CpiError, type ConflictItem, type FinetuneExample } from '@cpi-bench/schemas';
import { createRng, shuffled } from '../rng.ts';
import type { MitigationTransform } from '../types.ts';

export interface CounterfactualAugmentParams {
  /** Share of the output that is counterfactual (Alpaca +10% in the paper, TULU +1%). @default 0.1 */
  share: number;
  /** Instruction given with each counterfactual example. */
  instruction: string;
}

function toExample(item: ConflictItem): FinetuneExample {
  return {
    schemaVersion: 1,
    id: `cf:${item.id}`,
    instruction: `${(item as { question?: string }).question ?? item.prompt ?? ''}`.trim(),
    input: item.context ?? '',
    output: item.contextAnswer ?? '',
    meta: { counterfactual: true, sourceItem: item.id },
  };
}

export const counterfactualAugment: MitigationTransform<CounterfactualAugmentParams> = {
  id: 'counterfactual_augment',
  description: 'Mix entity-substituted counterfactual examples (context answer as target) into the finetuning data.',
  reference: 'Goyal et al. 2025, §6 (NQ-Corpus-Swap augmentation)',
  defaults: { share: 0.1, instruction: 'Answer the question using the context.' },
  apply(examples, params, context) {
    if (!(params.share >= 0 && params.share < 1)) {
      throw new CpiError('CPI_MITIGATION_PARAMS', `share must be in [0, 1), got ${params.share}`);
    }
    const pool = (context.counterfactualItems ?? []).filter((i) => i.split === 'conflict' && i.context && i.contextAnswer);
    // share of the OUTPUT: n_cf / (n + n_cf) = share
    const wanted = Math.round((params.share * examples.length) / (1 - params.share));
    if (wanted > 0 && pool.length === 0) {
      throw new CpiError('CPI_MITIGATION_NO_COUNTERFACTUALS', 'counterfactual_augment needs conflict-split items with a context', {
        hint: 'pass a dataset made by `npx generate datasets` (its conflict split)',
      });
    }
    const rng = createRng(context.seed);
    const chosen: ConflictItem[] = [];
    while (chosen.length < wanted) chosen.push(...shuffled(pool, rng).slice(0, wanted - chosen.length));
    const added = chosen.map((item, i) => ({ ...toExample(item), id: `cf:${i}:${item.id}`, instruction: toExample(item).instruction || params.instruction }));
    // Interleave rather than append, so a trainer that does not shuffle still sees them throughout.
    const out = shuffled([...examples, ...added], rng);
    return { examples: out, stats: { added: added.length, share: out.length ? added.length / out.length : 0, distinctItems: new Set(chosen.map((c) => c.id)).size } };
  },
};
