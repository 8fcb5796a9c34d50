// Per-checkpoint rates: for every scorer, view (all items, or known facts only) and group (dataset x
// category x split, with * for "all"), the share of items following the context, the memory, both or
// neither, with seeded bootstrap intervals.
import type { CheckpointMetrics, ConflictItem, PredictionRecord, Rate } from '@cpi-bench/schemas';
import { SCHEMA_VERSION } from '@cpi-bench/schemas';
import { DEFAULT_BOOTSTRAP, meanRate, proportionRate, type BootstrapSettings } from './stats/bootstrap.ts';
import { streamSeed } from './stats/rng.ts';
import { CODE, CTX_BIT, PAR_BIT, knownFactsMask, reportingSplit, scoreRun, type ScoredRun, type StepScores } from './scoring.ts';
import { getScorer } from './scorers/registry.ts';
import type { ScoringOptions } from './scorers/types.ts';

/** Options of computeCheckpointMetrics. */
export interface CheckpointMetricsOptions extends ScoringOptions {
  /** Bootstrap resamples per interval; 0 for point estimates only. @default 1000 */
  bootstrapResamples?: number;
  /** @default 0 */
  seed?: number;
  /** @default 0.95 */
  level?: number;
}

export type CheckpointGroup = CheckpointMetrics['groups'][number];

/** A dataset x category x split cell, and the item indexes in it. */
export interface GroupDef {
  dataset: string;
  category: string;
  split: string;
  members: Int32Array;
}

/** The split-specific name of "accuracy": what a correct answer means on that split. */
const ACCURACY_NAME: Readonly<Record<string, string>> = {
  aligned: 'alignedAccuracy', closed_book: 'closedBookAccuracy', unknown_subject: 'unknownSubjectAccuracy',
};

/**
 * Groups are built per split (a rate pooled over splits would mix questions with different right answers):
 * (dataset, category), (dataset, *), (*, category) and (*, *) within each split. A labelled variant
 * (conflict_mp, conflict_absurd) counts as a split of its own, so it is reported apart from the headline.
 */
export function buildGroups(run: ScoredRun): GroupDef[] {
  const cells = new Map<string, { dataset: string; category: string; split: string; members: number[] }>();
  run.items.forEach((p, i) => {
    const { dataset, category } = p.item;
    const split = reportingSplit(p.item);
    for (const [d, c] of [[dataset, category], [dataset, '*'], ['*', category], ['*', '*']] as const) {
      const key = `${d}\u0000${c}\u0000${split}`;
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = { dataset: d, category: c, split, members: [] }));
      cell.members.push(i);
    }
  });
  return [...cells.values()]
    .sort((a, b) => a.split.localeCompare(b.split) || a.dataset.localeCompare(b.dataset) || a.category.localeCompare(b.category))
    .map((c) => ({ dataset: c.dataset, category: c.category, split: c.split, members: Int32Array.from(c.members) }));
}

/**
 * Proportion intervals keyed by their counts. A proportion's bootstrap distribution depends only on
 * (successes, n), so each interval's random stream is seeded by the seed and those counts: equal counts give
 * equal intervals (a category that is a whole dataset gets the same interval under both names), and each
 * distinct pair is drawn once.
 */
export class ProportionIntervals {
  private readonly cache = new Map<string, Rate>();
  constructor(private readonly bootstrap: BootstrapSettings) {}
  rate(successes: number, n: number): Rate {
    const key = `${successes}/${n}`;
    let r = this.cache.get(key);
    if (!r) this.cache.set(key, (r = proportionRate(successes, n, { ...this.bootstrap, seed: streamSeed(this.bootstrap.seed, successes, n) })));
    return { ...r };
  }
}

/** Counts and intervals of one group at one step for one scorer and view; null when nothing was scored. */
export function groupRates(
  run: ScoredRun, scores: StepScores, group: GroupDef, mask: Uint8Array | null,
  scorerId: string, view: 'all' | 'known_facts', step: number, bootstrap: BootstrapSettings, intervals: ProportionIntervals = new ProportionIntervals(bootstrap),
): CheckpointGroup | null {
  let n = 0, errors = 0, ctx = 0, par = 0, both = 0, other = 0, empty = 0, ambig = 0;
  const mcValues: number[] = [];
  for (let k = 0; k < group.members.length; k++) {
    const i = group.members[k]!;
    if (mask && mask[i] === 0) continue;
    if (scores.error[i] === 1) {
      errors++;
      continue;
    }
    const label = scores.label[i]!;
    if (label === 0) continue;
    n++;
    const h = scores.hits[i]!;
    const c = (h & CTX_BIT) !== 0;
    const p = (h & PAR_BIT) !== 0;
    if (c) ctx++;
    if (p) par++;
    if (c && p) both++;
    if (label === CODE.OTHER) other++;
    else if (label === CODE.EMPTY) empty++;
    else if (label === CODE.AMBIG) ambig++;
    const mc = scores.mc[i]!;
    if (!Number.isNaN(mc)) mcValues.push(mc);
  }
  if (n === 0 && errors === 0) return null;
  const mode = getScorer(scorerId).mode;
  const rate = (_name: string, k: number): Rate => intervals.rate(k, n);
  const rates: Record<string, Rate> = {
    contextReliance: rate('contextReliance', ctx),
    parametricReliance: rate('parametricReliance', par),
    both: rate('both', both),
    other: rate('other', other),
  };
  if (mode === 'generate') rates['empty'] = rate('empty', empty);
  else rates['ambiguous'] = rate('ambiguous', ambig);
  const accuracyName = ACCURACY_NAME[group.split];
  // On closed-book probes the right answer is the remembered one; elsewhere it is the context's.
  if (accuracyName) rates[accuracyName] = rate(accuracyName, group.split === 'closed_book' ? par : ctx);
  let meanMC: number | null = null;
  if (mcValues.length > 0) {
    const r = meanRate(mcValues, { ...bootstrap, seed: streamSeed(bootstrap.seed, step, scorerId, view, group.dataset, group.category, group.split, 'meanMC') });
    rates['meanMC'] = r;
    meanMC = r.mean;
  }
  const out: CheckpointGroup = { dataset: group.dataset, category: group.category, split: group.split, scorer: scorerId, view, n, rates, meanMC };
  if (errors > 0) out.errors = errors;
  return out;
}

/** Merges the defaults into the bootstrap settings. */
export function bootstrapSettings(options: CheckpointMetricsOptions): BootstrapSettings {
  return {
    resamples: options.bootstrapResamples ?? DEFAULT_BOOTSTRAP.resamples,
    seed: options.seed ?? DEFAULT_BOOTSTRAP.seed,
    level: options.level ?? DEFAULT_BOOTSTRAP.level,
  };
}

/** computeCheckpointMetrics over an already scored run (buildInversionReport reuses the scoring). */
export function checkpointMetricsOf(run: ScoredRun, options: CheckpointMetricsOptions = {}): CheckpointMetrics[] {
  const bootstrap = bootstrapSettings(options);
  const groups = buildGroups(run);
  const intervals = new ProportionIntervals(bootstrap);
  const masks = new Map<string, Uint8Array | null>();
  for (const id of run.byScorer.keys()) masks.set(id, knownFactsMask(run, id));
  return run.steps.map((step) => {
    const out: CheckpointGroup[] = [];
    for (const [scorerId, perStep] of run.byScorer) {
      const scores = perStep.get(step);
      if (!scores) continue;
      const mask = masks.get(scorerId) ?? null;
      for (const g of groups) {
        const all = groupRates(run, scores, g, null, scorerId, 'all', step, bootstrap, intervals);
        if (all) out.push(all);
        if (mask && g.split === 'conflict') {
          const known = groupRates(run, scores, g, mask, scorerId, 'known_facts', step, bootstrap, intervals);
          if (known) out.push(known);
        }
      }
    }
    return {
      schemaVersion: SCHEMA_VERSION, step, modelHash: run.modelHashByStep.get(step)!,
      bootstrap: { resamples: bootstrap.resamples, seed: bootstrap.seed, level: bootstrap.level }, groups: out,
    };
  });
}

/**
 * Rates at every checkpoint (one CheckpointMetrics per step, ascending), for every scorer whose mode has
 * records, both views, and every dataset x category x split group. Pure.
 * @example const [first] = computeCheckpointMetrics(items, records, { bootstrapResamples: 1000, seed: 1 });
 */
export function computeCheckpointMetrics(items: readonly ConflictItem[], records: readonly PredictionRecord[], options: CheckpointMetricsOptions = {}): CheckpointMetrics[] {
  return checkpointMetricsOf(scoreRun(items, records, options), options);
}
