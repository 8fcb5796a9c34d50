import type { ConflictItem, FinetuneExample } from '@cpi-bench/schemas';

/** What a transform may look at besides the examples themselves. */
export interface MitigationContext {
  /** Seed for any random choice; the same seed gives the same output. */
  seed: number;
  /** Counterfactual items to turn into finetuning examples (counterfactual_augment). */
  counterfactualItems?: readonly ConflictItem[];
  /** Per-example target loss without the context, keyed by example id (context_critical_filter). */
  noContextLoss?: ReadonlyMap<string, number>;
}

export interface MitigationResult {
  examples: FinetuneExample[];
  /** Counts and shares for the MitigationReport. */
  stats: Record<string, number | string | boolean | null>;
}

/** A transform of instruction-finetuning data that counters context-parametric inversion. */
export interface MitigationTransform<P extends object = Record<string, unknown>> {
  id: string;
  description: string;
  /** The paper's section or finding the transform comes from. */
  reference: string;
  defaults: P;
  apply(examples: readonly FinetuneExample[], params: P, context: MitigationContext): MitigationResult;
}
