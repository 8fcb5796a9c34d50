// The shape of a mitigation transform: a registered `{ id, description, ... }` whose create() returns a
// per-example step, so data of any size streams through in bounded memory.
import type { ConflictItem } from '@cpi-bench/schemas';
import type { EntityMatcher } from './entities.ts';
import type { DataFormat, Example } from './formats.ts';
import type { LossTable } from './losses.ts';
import type { EntityPool } from './core/entity-pool.ts';

export type Stats = Record<string, number | string | boolean | null>;

/** What a transform may use besides the examples, prepared at the edge (src/io/prepare.ts). */
export interface MitigationContext {
  /** Seed for any random choice; the same seed gives the same output. */
  seed: number;
  format: DataFormat;
  /** Examples in the input, known before the stream starts (a counting pass). */
  inputCount?: number;
  /** context_critical_filter: the losses `npx run losses` wrote, by example index. */
  losses?: LossTable;
  /** fact_overlap_filter: the evaluation suite's subjects and answers. */
  evalEntities?: EntityMatcher;
  /** counterfactual_augment: known entities by type, for same-type substitutes. */
  entityPool?: EntityPool;
  /** counterfactual_augment with ner "compromise": people and places in open text (loaded lazily: compromise takes ~1 s to import). */
  openEntities?: (text: string) => { name: string; type: string }[];
  /** counterfactual_augment with source "facts": conflict items that passed the leakage guard. */
  counterfactualItems?: readonly ConflictItem[];
}

/** What a transform needs prepared before it can run. */
export type MitigationNeed = 'losses' | 'evalEntities' | 'entityPool' | 'openEntities' | 'counterfactualItems';

/** One transform, ready to run over a stream. */
export interface MitigationStep {
  /** The examples this one becomes: [] drops it, [example] keeps it, more adds examples after it. */
  process(example: Example): Example[];
  /** Counts for the MitigationReport, read after the last example. */
  stats(): Stats;
}

/** A transform of instruction-finetuning data that counters context-parametric inversion. */
export interface MitigationTransform<P extends object = Record<string, unknown>> {
  id: string;
  /** The name the CLI takes (`npx mitigate context-only`). */
  name: string;
  description: string;
  /** The paper's section or finding the transform comes from. */
  reference: string;
  defaults: P;
  /** One line per parameter for `npx mitigate --list`: the CLI option and what it does. */
  options: { [K in keyof P]: string };
  needs: (params: P) => MitigationNeed[];
  /** Checks `params` (CpiError CPI_MITIGATION_PARAMS) and returns the step. */
  create(params: P, context: MitigationContext): MitigationStep;
}

/** Marks an example a transform added (not read from the input). */
export const ADDED = -1;
