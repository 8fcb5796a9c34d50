// Several transforms in a row over one stream of examples: each example goes through the steps in order,
// and each step's counts are kept for the report. Pure: the examples come and go through the caller.
import type { Example } from './formats.ts';
import { getMitigation } from './registry.ts';
import type { MitigationContext, MitigationNeed, MitigationStep, Stats } from './types.ts';

export interface PlannedStep {
  transform: string;
  params: Record<string, unknown>;
}

/** Resolves names to ids and merges each transform's defaults under the given parameters. */
export function planMitigations(names: readonly string[], params: Readonly<Record<string, unknown>> = {}): PlannedStep[] {
  return names.map((name) => {
    const t = getMitigation(name);
    const own = Object.fromEntries(Object.keys(t.defaults).filter((k) => params[k] !== undefined).map((k) => [k, params[k]]));
    return { transform: t.id, params: { ...t.defaults, ...own } };
  });
}

/** What the planned steps need prepared, each once. */
export function needsOf(plan: readonly PlannedStep[]): Set<MitigationNeed> {
  return new Set(plan.flatMap((s) => getMitigation(s.transform).needs(s.params)));
}

export interface Pipeline {
  process(example: Example): Example[];
  stats(): { transform: string; params: Record<string, unknown>; stats: Stats }[];
}

/** Builds the steps (checking every parameter before any example is read). */
export function createPipeline(plan: readonly PlannedStep[], context: MitigationContext): Pipeline {
  const steps: MitigationStep[] = plan.map((s) => getMitigation(s.transform).create(s.params, context));
  return {
    process(example) {
      let batch = [example];
      for (const step of steps) batch = batch.flatMap((e) => step.process(e));
      return batch;
    },
    stats: () => plan.map((s, i) => ({ transform: s.transform, params: s.params, stats: (steps[i] as MitigationStep).stats() })),
  };
}
