// Every mitigation transform. Add one by writing its file in transforms/ and listing it here (a test
// checks that each file is registered).
import { CpiError } from '@cpi-bench/schemas';
import { contextCriticalFilter } from './transforms/context-critical-filter.ts';
import { contextOnlyFilter } from './transforms/context-only-filter.ts';
import { counterfactualAugment } from './transforms/counterfactual-augment.ts';
import { factOverlapFilter } from './transforms/fact-overlap-filter.ts';
import type { MitigationTransform } from './types.ts';

export const mitigationTransforms = [counterfactualAugment, contextCriticalFilter, contextOnlyFilter, factOverlapFilter] as const;

/** The transform with this id or CLI name (`context_only_filter` or `context-only`). */
export function getMitigation(idOrName: string): MitigationTransform<Record<string, unknown>> {
  const found = mitigationTransforms.find((t) => t.id === idOrName || t.name === idOrName);
  if (!found) {
    throw new CpiError('CPI_UNKNOWN_MITIGATION', `unknown mitigation "${idOrName}"; valid: ${mitigationTransforms.map((t) => t.name).join(', ')}`, {
      hint: 'npx mitigate --list shows each with its options',
    });
  }
  // Parameters arrive untyped (CLI, JSON); each transform checks the values it uses.
  return found as unknown as MitigationTransform<Record<string, unknown>>;
}
