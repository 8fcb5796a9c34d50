// The paper's §4 context-critical filtering: drop the context-bearing examples whose target is least
// surprising WITHOUT the context (lowest no-context loss), since those teach the model that the context is
// redundant. The losses come from `npx run losses` on the base checkpoint (README: "Choosing the base").
import { CpiError } from '@cpi-bench/schemas';
import { numberParam } from '../core/params.ts';
import { exampleHash, type LossTable } from '../losses.ts';
import { ADDED, type MitigationTransform } from '../types.ts';

export interface ContextCriticalFilterParams {
  /** Share of the context-bearing examples to drop, lowest no-context loss first. @default 0.25 */
  drop: number;
  /** The losses file written by `npx run losses`. */
  losses: string | null;
}

/**
 * The indices to drop: the `drop` share of the examples that were scored with a context, lowest
 * no-context loss first, ties broken by index so the result does not depend on the file's order.
 */
export function contextCriticalDrops(table: LossTable, drop: number): Set<number> {
  const scored: { index: number; loss: number }[] = [];
  for (const r of table.values()) if (r.ok && r.withContext) scored.push({ index: r.index, loss: r.withoutContext.loss });
  scored.sort((a, b) => a.loss - b.loss || a.index - b.index);
  return new Set(scored.slice(0, Math.floor(drop * scored.length)).map((s) => s.index));
}

export const contextCriticalFilter: MitigationTransform<ContextCriticalFilterParams> = {
  id: 'context_critical_filter',
  name: 'context-critical',
  description: 'Drop the context-bearing examples whose target has the lowest loss without the context (not context-critical).',
  reference: 'Goyal et al. 2025, §4 (25% lowest no-context perplexity removed)',
  defaults: { drop: 0.25, losses: null },
  options: {
    drop: '--drop SHARE: share of the context-bearing examples to drop',
    losses: '--losses FILE: per-example losses from `npx run losses --checkpoint BASE --data FILE`',
  },
  needs: () => ['losses'],
  create(params, { losses }) {
    const drop = numberParam('context_critical_filter', 'drop', params.drop, 0, 1);
    if (!losses) {
      throw new CpiError('CPI_MITIGATION_NO_LOSSES', 'context_critical_filter needs the per-example losses', {
        hint: 'compute them with `npx run losses --checkpoint BASE --data FILE --out losses.jsonl`, then pass --losses losses.jsonl',
      });
    }
    const drops = contextCriticalDrops(losses, drop);
    let kept = 0;
    let dropped = 0;
    let unscored = 0;
    return {
      process(example) {
        // Examples another transform added have no loss; they are kept.
        if (example.index === ADDED) return (kept++, [example]);
        const record = losses.get(example.index);
        if (!record) {
          throw new CpiError('CPI_MITIGATION_NO_LOSSES', `example ${example.index} has no line in the losses file`, {
            ...(example.line !== undefined ? { line: example.line } : {}),
            hint: 'the losses file is incomplete: run `npx run losses` again with the same arguments (it resumes)',
          });
        }
        if (record.hash !== exampleHash(example.record)) {
          throw new CpiError('CPI_MITIGATION_LOSSES_MISMATCH', `example ${example.index} is not the example the losses were computed for`, {
            hint: 'the losses file belongs to other data: recompute it for this file',
          });
        }
        if (!record.ok) unscored++;
        if (drops.has(example.index)) return (dropped++, []);
        kept++;
        return [example];
      },
      stats: () => ({ scoredWithContext: [...losses.values()].filter((r) => r.ok && r.withContext).length, dropped, kept, unscored }),
    };
  },
};
