import { SCHEMA_VERSION, sha256, toJsonl, validate, type FinetuneExample, type MitigationReport } from '@cpi-bench/schemas';
import { getMitigation } from './registry.ts';
import type { MitigationContext } from './types.ts';

export interface AppliedMitigation {
  examples: FinetuneExample[];
  report: MitigationReport;
}

/**
 * Applies one registered transform, merging `params` over its defaults, and describes what it did in a
 * MitigationReport (input and output counts and content hashes, so the report pins the exact data).
 * @example applyMitigation('counterfactual_augment', alpaca, { share: 0.1 }, { seed: 1, counterfactualItems })
 */
export function applyMitigation(
  id: string,
  examples: readonly FinetuneExample[],
  params: Record<string, unknown> = {},
  context: MitigationContext = { seed: 0 },
): AppliedMitigation {
  const transform = getMitigation(id);
  const merged = { ...transform.defaults, ...params };
  const result = transform.apply(examples, merged, context);
  const report = validate('mitigationReport', {
    schemaVersion: SCHEMA_VERSION,
    transform: transform.id,
    params: merged,
    seed: context.seed,
    input: { count: examples.length, sha256: sha256(toJsonl(examples)) },
    output: { count: result.examples.length, sha256: sha256(toJsonl(result.examples)) },
    stats: result.stats,
  });
  return { examples: result.examples, report };
}
