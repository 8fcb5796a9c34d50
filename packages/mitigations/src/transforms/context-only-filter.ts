// The paper's §4 "context-only Alpaca" study: keep only examples that come with a context.
import { exampleContext } from '../examples.ts';
import type { MitigationTransform } from '../types.ts';

export const contextOnlyFilter: MitigationTransform<Record<string, never>> = {
  id: 'context_only_filter',
  description: 'Keep only the examples with a non-empty context (Alpaca `input`).',
  reference: 'Goyal et al. 2025, §4 (context-only Alpaca, ~30% of it); note the paper found the drop persists',
  defaults: {},
  apply(examples) {
    const kept = examples.filter((e) => exampleContext(e).trim() !== '');
    return { examples: kept, stats: { kept: kept.length, dropped: examples.length - kept.length } };
  },
};
