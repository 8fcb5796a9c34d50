// The paper's §6 counterfactual augmentation: add examples whose context contradicts what the model knows
// and whose target follows the context, so finetuning rewards reading the context over memory. Made from
// the user's own data (source "own"), or rendered from generator facts that the leakage guard has checked
// against the evaluation suite (source "facts"); never from the evaluation suite itself.
import { DEFAULT_SUITE_DIR } from '@cpi-bench/generator';
import { CpiError, mulberry32, type ConflictItem } from '@cpi-bench/schemas';
import { choiceParam, numberParam } from '../core/params.ts';
import { shuffled } from '../core/shuffle.ts';
import { substituteEntity } from '../core/substitute.ts';
import type { DataFormat, Example } from '../formats.ts';
import { ADDED, type MitigationTransform } from '../types.ts';

export interface CounterfactualAugmentParams {
  /** "own": rewrite the user's examples; "facts": add generator conflict items (leak-guarded). @default 'own' */
  source: 'own' | 'facts';
  /** The most the added examples may be of the output (Alpaca +10% in the paper, TULU +1%). @default 0.1 */
  share: number;
  /** The suite that added examples must not overlap. @default datasets/default of this repository */
  evalSuite: string;
  /** source "facts": a JSONL file of conflict items to render instead of generating them. */
  items: string | null;
  /** source "own": find people and places the fact base does not list with compromise, or only use the fact base. @default 'compromise' */
  ner: 'compromise' | 'none';
}

/** A conflict item in the data's own format, with only the fields that format has. */
export function renderConflictItem(item: ConflictItem, format: DataFormat): Record<string, unknown> {
  const question = item.question ?? item.prompt ?? '';
  const answer = item.contextAnswer ?? '';
  if (format === 'alpaca') return { instruction: question, input: item.context ?? '', output: answer };
  // A labelled passage, so the chat context rule (parts.ts) sees the context.
  const user = `Context: ${item.context ?? ''}\n\nQuestion: ${question}`;
  if (format === 'chat') return { messages: [{ role: 'user', content: user }, { role: 'assistant', content: answer }] };
  return { conversations: [{ from: 'human', value: user }, { from: 'gpt', value: answer }] };
}

export const counterfactualAugment: MitigationTransform<CounterfactualAugmentParams> = {
  id: 'counterfactual_augment',
  name: 'counterfactual',
  description: 'Add counterfactual examples: an entity in both context and target swapped for a same-type one (own data), or leak-guarded generator conflict items.',
  reference: 'Goyal et al. 2025, §6 (counterfactual augmentation)',
  defaults: { source: 'own', share: 0.1, evalSuite: DEFAULT_SUITE_DIR, items: null, ner: 'compromise' },
  options: {
    source: '--source own|facts: rewrite your own examples, or add generator conflict items',
    share: '--share SHARE: the most the added examples may be of the output',
    evalSuite: '--eval-suite DIR: source facts: added items may not overlap this suite (ids, facts, subjects, questions, answer pairs)',
    items: '--items FILE: source facts only, conflict items to render (leak-guarded) instead of generated ones',
    ner: '--ner compromise|none: source own, also find people and places the fact base does not list',
  },
  needs: (p) => (p.source === 'facts' ? ['counterfactualItems'] : p.ner === 'none' ? ['entityPool'] : ['entityPool', 'openEntities']),
  create(params, context) {
    const source = choiceParam('counterfactual_augment', 'source', params.source, ['own', 'facts'] as const);
    const share = numberParam('counterfactual_augment', 'share', params.share, 0, 0.99);
    const ner = choiceParam('counterfactual_augment', 'ner', params.ner, ['compromise', 'none'] as const) === 'compromise' ? context.openEntities : undefined;
    const rng = mulberry32(context.seed);
    const n = context.inputCount ?? 0;
    // share of the OUTPUT: added / (n + added) <= share
    const budget = Math.floor((share * n) / (1 - share) + 1e-9);
    let added = 0;
    let seen = 0;
    let eligible = 0;
    const types = new Map<string, number>();
    const addedExample = (record: Record<string, unknown>, from: Example): Example => ({ record, index: ADDED, line: from.line });

    if (source === 'facts') {
      if (!context.counterfactualItems || (budget > 0 && context.counterfactualItems.length === 0)) {
        throw new CpiError('CPI_MITIGATION_NO_COUNTERFACTUALS', 'counterfactual_augment --source facts has no conflict items to add');
      }
      // Seeded order, so the additions mix relations rather than following the items' sorted ids.
      const items = shuffled(context.counterfactualItems, rng);
      // Spread the additions evenly through the data, so a trainer that does not shuffle sees them throughout.
      return {
        process(example) {
          seen++;
          const out = [example];
          while (added < budget && added < (budget * seen) / Math.max(n, 1)) {
            out.push(addedExample(renderConflictItem(items[added % items.length] as ConflictItem, context.format), example));
            added++;
          }
          return out;
        },
        stats: () => ({ source, added, share: seen + added ? added / (seen + added) : 0, distinctItems: Math.min(added, items.length) }),
      };
    }

    const pool = context.entityPool;
    if (!pool) throw new CpiError('CPI_MITIGATION_PARAMS', 'counterfactual_augment needs the entity pool');
    return {
      process(example) {
        seen++;
        if (added >= budget || example.index === ADDED) return [example];
        // Stay at or under the share as we go, so the additions are spread through the data.
        const sub = substituteEntity(example.record, context.format, pool, rng, ner);
        if (!sub) return [example];
        eligible++;
        if (added >= (budget * seen) / Math.max(n, 1) + 1) return [example];
        added++;
        types.set(sub.type, (types.get(sub.type) ?? 0) + 1);
        return [example, addedExample(sub.record, example)];
      },
      stats: () => ({
        source,
        added,
        eligibleSeen: eligible,
        share: seen + added ? added / (seen + added) : 0,
        byType: [...types].sort((a, b) => b[1] - a[1]).map(([t, k]) => `${t}: ${k}`).join(', '),
      }),
    };
  },
};
