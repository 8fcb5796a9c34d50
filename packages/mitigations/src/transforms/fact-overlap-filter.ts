// The paper's §4 train-test overlap control: drop finetuning examples that mention an evaluated entity, to
// check whether the drop needs the facts to be seen in finetuning (the paper: it does not).
import { exampleText } from '../examples.ts';
import type { MitigationTransform } from '../types.ts';

export interface FactOverlapFilterParams {
  /** Entities to look for (e.g. every country and capital in the evaluation set). */
  entities: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const factOverlapFilter: MitigationTransform<FactOverlapFilterParams> = {
  id: 'fact_overlap_filter',
  description: 'Drop examples that mention any of the given entities (whole words, case-insensitive).',
  reference: 'Goyal et al. 2025, §4 (about 5% of Alpaca mentions countries or capitals)',
  defaults: { entities: [] },
  apply(examples, params, context) {
    const entities = params.entities.length > 0 ? params.entities : [...new Set((context.counterfactualItems ?? []).flatMap((i) => [i.parametricAnswer, i.contextAnswer].filter((x): x is string => !!x)))];
    if (entities.length === 0) return { examples: [...examples], stats: { dropped: 0, kept: examples.length, entities: 0 } };
    const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${entities.map(escape).sort((a, b) => b.length - a.length).join('|')})(?![\\p{L}\\p{N}])`, 'iu');
    const kept = examples.filter((e) => !re.test(exampleText(e)));
    return { examples: kept, stats: { dropped: examples.length - kept.length, kept: kept.length, entities: entities.length } };
  },
};
