// The paper's §4 context-critical filtering: drop the examples whose target is easiest WITHOUT the context
// (lowest no-context loss), since those teach the model that the context is redundant.
import { CpiError } from '@cpi-bench/schemas';
import { exampleContext, exampleId } from '../examples.ts';
import type { MitigationTransform } from '../types.ts';

export interface ContextCriticalFilterParams {
  /** Share of the examples WITH a context to drop, lowest no-context loss first. @default 0.25 */
  dropShare: number;
}

export const contextCriticalFilter: MitigationTransform<ContextCriticalFilterParams> = {
  id: 'context_critical_filter',
  description: 'Drop the examples whose target has the lowest loss without the context (non-context-critical).',
  reference: 'Goyal et al. 2025, §4 (25% lowest no-context perplexity removed)',
  defaults: { dropShare: 0.25 },
  apply(examples, params, context) {
    if (!(params.dropShare >= 0 && params.dropShare <= 1)) {
      throw new CpiError('CPI_MITIGATION_PARAMS', `dropShare must be in [0, 1], got ${params.dropShare}`);
    }
    const losses = context.noContextLoss;
    if (!losses) throw new CpiError('CPI_MITIGATION_NO_LOSSES', 'context_critical_filter needs the no-context loss of each example', { hint: 'pass --losses FILE (JSONL of {"id", "loss"})' });
    const withContext = examples.map((e, i) => ({ e, id: exampleId(e, i) })).filter(({ e }) => exampleContext(e).trim() !== '');
    const missing = withContext.filter(({ id }) => !losses.has(id)).map(({ id }) => id);
    if (missing.length > 0) {
      throw new CpiError('CPI_MITIGATION_NO_LOSSES', `${missing.length} examples with a context have no loss (first: ${missing.slice(0, 3).join(', ')})`);
    }
    const nDrop = Math.floor(params.dropShare * withContext.length);
    // Stable: ties broken by id so the result does not depend on input order.
    const dropped = new Set(
      [...withContext].sort((a, b) => (losses.get(a.id) ?? 0) - (losses.get(b.id) ?? 0) || a.id.localeCompare(b.id)).slice(0, nDrop).map((x) => x.id),
    );
    const kept = examples.filter((e, i) => !dropped.has(exampleId(e, i)));
    return { examples: kept, stats: { withContext: withContext.length, dropped: dropped.size, kept: kept.length } };
  },
};
