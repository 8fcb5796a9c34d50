// The audit rule that keeps the headline conflict rate clean: a generated conflict whose context names the
// parametric answer (or one of its aliases) is a different task, so it must be the labelled conflict_mp
// variant, reported apart; and a conflict_mp item must really name it. The paper's imported items keep their
// own mentions_parametric flag (the paper pools them), so the rule reads only items we generate.
import type { ConflictItem } from '@cpi-bench/schemas';
import { containsAnswer } from '../core/text.ts';

export const VARIANT_CHECK = {
  id: 'headline_names_parametric',
  description: 'a generated conflict context names the parametric answer but is not the labelled conflict_mp variant (it would be pooled into the headline rate), or a conflict_mp item does not name it',
} as const;

/** The finding's detail for `item`, or undefined when the item passes. */
export function headlineVariantFinding(item: ConflictItem): string | undefined {
  if (item.split !== 'conflict' || item.provenance.source !== 'generator' || item.context === undefined || item.parametricAnswer === undefined) return undefined;
  const named = [item.parametricAnswer, ...(item.parametricAliases ?? [])].find((a) => containsAnswer(item.context as string, a));
  const variant = item.variant === 'conflict_mp';
  if (named !== undefined && !variant) return `"${named}" appears in a headline conflict context; make it the conflict_mp variant`;
  if (named === undefined && variant) return 'a conflict_mp item whose context does not name the parametric answer';
  return undefined;
}
