import { CpiError } from '@cpi-bench/schemas';
import { contextCriticalFilter } from './transforms/context-critical-filter.ts';
import { contextOnlyFilter } from './transforms/context-only-filter.ts';
import { counterfactualAugment } from './transforms/counterfactual-augment.ts';
import { factOverlapFilter } from './transforms/fact-overlap-filter.ts';
import type { MitigationTransform } from './types.ts';

/** Every mitigation transform, by id. A test checks that each file in transforms/ is registered here. */
export const mitigationTransforms = [counterfactualAugment, contextCriticalFilter, contextOnlyFilter, factOverlapFilter] as const;

export function getMitigation(id: string): MitigationTransform<Record<string, unknown>> {
  const found = mitigationTransforms.find((t) => t.id === id);
  if (!found) {
    throw new CpiError('CPI_UNKNOWN_MITIGATION', `unknown mitigation "${id}"; valid: ${mitigationTransforms.map((t) => t.id).join(', ')}`);
  }
  // Parameters arrive untyped (CLI, JSON); each transform checks the values it uses.
  return found as unknown as MitigationTransform<Record<string, unknown>>;
}
