// The paper's §4 "context-only Alpaca" study: keep only examples that come with a context.
import { partsOf } from '../parts.ts';
import type { MitigationTransform } from '../types.ts';

export const contextOnlyFilter: MitigationTransform<Record<string, never>> = {
  id: 'context_only_filter',
  name: 'context-only',
  description: 'Keep only the examples with a context (Alpaca `input`; for chat data, earlier user turns or a passage in the user message).',
  reference: 'Goyal et al. 2025, §4 (context-only Alpaca, ~30% of it); note the paper found the drop persists',
  defaults: {},
  options: {},
  needs: () => [],
  create(_params, { format }) {
    let kept = 0;
    let dropped = 0;
    return {
      process(example) {
        if (partsOf(example.record, format).context.trim() !== '') {
          kept++;
          return [example];
        }
        dropped++;
        return [];
      },
      stats: () => ({ kept, dropped }),
    };
  },
};
