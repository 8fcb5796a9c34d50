// From runs (items + predictions + optional benchmark scores) to the InversionReport: the context-reliance
// curve per run, its peak and drop, the drop test (valid after choosing the peak), the descriptive paired
// counts between peak and final checkpoint, the verdict and which categories carry the drop. Pure: no
// files, no clock.
import type { CheckpointMetrics, ConflictItem, InversionReport, PredictionRecord, Rate } from '@cpi-bench/schemas';
import { CpiError, SCHEMA_VERSION } from '@cpi-bench/schemas';
import { benchmarkMeanByStep, type BenchmarkReadOptions, type BenchmarkScore } from './benchmarks.ts';
import { checkpointMetricsOf, bootstrapSettings, type CheckpointGroup, type CheckpointMetricsOptions } from './checkpoint-metrics.ts';
import { DROP_TEST_PROCEDURE, dropPermutationTest } from './stats/drop-test.ts';
import { mcnemarExact } from './stats/mcnemar.ts';
import { streamSeed } from './stats/rng.ts';
import { CTX_BIT, knownFactsMask, reportingSplit, scoreRun, type ScoredRun } from './scoring.ts';
import { perturbationBreakdown } from './perturbation.ts';
import { getScorer, scorers } from './scorers/registry.ts';
import { DEFAULT_LOGPROB_MARGIN } from './scorers/logprob.ts';
import { summarizeTrajectory, type TrajectorySummary } from './trajectory.ts';
import { decideInversion, nearestStep } from './verdict.ts';

/** One run to report: its items, its predictions and, optionally, in-distribution benchmark scores. */
export interface RunInput {
  label: string;
  runDir?: string;
  items: ConflictItem[];
  records: PredictionRecord[];
  benchmarks?: BenchmarkScore[];
  /** Prediction lines loadRunDir left out as unreadable. */
  skippedLines?: number;
  /** The run folder still had its run.lock: the run was in progress (or crashed) when it was read. */
  inProgress?: boolean;
}

export type { BenchmarkScore };

/** Thresholds and options of the verdict and the statistics. */
export interface InversionOptions extends CheckpointMetricsOptions, BenchmarkReadOptions {
  /** Scorer whose context reliance is the curve. @default 'containment' where generations exist, else 'logprob' */
  scorer?: string;
  /** All conflict items, or only those whose fact the first checkpoint knew (closed-book probe). @default 'all' */
  view?: 'all' | 'known_facts';
  /** Smallest drop (peak - final, smoothed; a proportion) that counts. @default 0.05 */
  dropThreshold?: number;
  /** Smallest rise (smoothed peak - first checkpoint; a proportion) that counts as "rose". @default 0.05 */
  minRise?: number;
  /** Significance level of the drop test (see DROP_TEST_PROCEDURE). @default 0.05 */
  alpha?: number;
  /** Random orders the drop test draws when there are too many to enumerate. @default 9999 */
  dropTestDraws?: number;
  /** k in "peak smoothed over +-k checkpoints". @default 2 */
  smoothing?: number;
  /** How far the benchmark mean may fall between peak and final and still count as "not falling". @default 0 */
  benchmarkTolerance?: number;
  /**
   * Only these benchmarks count toward the in-distribution mean (the paper drops GSM8k for Alpaca runs).
   * @default every benchmark given
   */
  benchmarkNames?: readonly string[];
  /** createdAt to stamp (the I/O layer passes the clock). */
  createdAt?: string;
}

type ReportRun = InversionReport['runs'][number];
type ReportPoint = ReportRun['points'][number];

const NULL_RATE: Rate = { mean: null, lo: null, hi: null, n: 0 };

function settingsOf(options: InversionOptions) {
  return {
    dropThreshold: options.dropThreshold ?? 0.05,
    minRise: options.minRise ?? 0.05,
    alpha: options.alpha ?? 0.05,
    dropTestDraws: options.dropTestDraws ?? 9999,
    smoothing: options.smoothing ?? 2,
    benchmarkTolerance: options.benchmarkTolerance ?? 0,
    view: options.view ?? 'all',
    logprobMargin: options.logprobMargin ?? DEFAULT_LOGPROB_MARGIN,
    bootstrap: bootstrapSettings(options),
  };
}

function findGroup(m: CheckpointMetrics | undefined, scorer: string, view: string, split: string, category = '*', dataset = '*'): CheckpointGroup | undefined {
  return m?.groups.find((g) => g.scorer === scorer && g.view === view && g.split === split && g.category === category && g.dataset === dataset);
}

function defaultScorer(run: ScoredRun): string {
  for (const id of ['containment', 'logprob']) if (run.byScorer.has(id)) return id;
  return run.byScorer.keys().next().value ?? 'containment';
}

/**
 * The paired counts between two checkpoints: items that followed the context at one and not the other.
 * Descriptive only: its McNemar p-value takes the peak as given, but the peak was chosen from these data.
 */
function pairedTest(run: ScoredRun, scorerId: string, mask: Uint8Array | null, fromStep: number, toStep: number): NonNullable<ReportRun['mcnemar']> | null {
  const perStep = run.byScorer.get(scorerId);
  const a = perStep?.get(fromStep);
  const b = perStep?.get(toStep);
  if (!a || !b) return null;
  const flipsCtxToPar: string[] = [];
  const flipsParToCtx: string[] = [];
  run.items.forEach((p, i) => {
    if (reportingSplit(p.item) !== 'conflict' || (mask && mask[i] === 0)) return;
    if (a.label[i] === 0 || b.label[i] === 0) return;
    const was = (a.hits[i]! & CTX_BIT) !== 0;
    const now = (b.hits[i]! & CTX_BIT) !== 0;
    if (was && !now) flipsCtxToPar.push(p.item.id);
    else if (!was && now) flipsParToCtx.push(p.item.id);
  });
  return {
    fromStep, toStep, ctxToPar: flipsCtxToPar.length, parToCtx: flipsParToCtx.length,
    pValue: mcnemarExact(flipsCtxToPar.length, flipsParToCtx.length), flipsCtxToPar, flipsParToCtx,
  };
}


/** The drop test on the curve the trajectory summarised, at its smoothed peak (the verdict's peak). */
function dropTestOf(curve: readonly { step: number; value: number | null }[], summary: TrajectorySummary, o: { seed: number; draws: number }): NonNullable<ReportRun['dropTest']> | null {
  // The same points, in the same order, as summarizeTrajectory used: so the tested peak is the shown one.
  const pts = curve.filter((p): p is { step: number; value: number } => p.value !== null).sort((a, b) => a.step - b.step);
  const r = dropPermutationTest(pts.map((p) => p.value), { smoothing: summary.smoothing, seed: o.seed, draws: o.draws });
  if (!r) return null;
  const peakStep = pts[r.peakIndex]!.step;
  if (peakStep !== summary.smoothedPeakStep) throw new Error(`internal: drop test peak ${peakStep} is not the smoothed peak ${summary.smoothedPeakStep}`);
  return {
    procedure: r.procedure, statistic: r.statistic, observed: r.observed, peakStep, finalStep: pts[pts.length - 1]!.step, smoothing: summary.smoothing,
    pValue: r.pValue, permuted: r.permuted, orderings: r.orderings, exact: r.exact, seed: r.seed,
  };
}

/**
 * One run of the report. perCategory values are taken at the steps the verdict compares (smoothed peak and
 * final), so the categories' drops add up to the pooled one; `own` is each category's own curve.
 */
function reportRun(input: RunInput, options: InversionOptions): ReportRun {
  const s = settingsOf(options);
  const scored = scoreRun(input.items, input.records, { logprobMargin: s.logprobMargin });
  const metrics = checkpointMetricsOf(scored, { ...options, logprobMargin: s.logprobMargin });
  const byStep = new Map(metrics.map((m) => [m.step, m]));
  const scorerId = options.scorer ?? defaultScorer(scored);
  getScorer(scorerId);
  const mask = s.view === 'known_facts' ? knownFactsMask(scored, scorerId) : null;
  if (s.view === 'known_facts' && !mask && scored.byScorer.has(scorerId)) {
    throw new CpiError('CPI_NO_CLOSED_BOOK_PROBES', `run "${input.label}" has no scored closed-book probes, so the known-facts view is empty`, { hint: 'evaluate the closed_book split too, or use the "all" view' });
  }
  const wanted = options.benchmarkNames ? new Set(options.benchmarkNames) : null;
  const benchmarkByStep = benchmarkMeanByStep((input.benchmarks ?? []).filter((b) => !wanted || wanted.has(b.benchmark)));
  const points: ReportPoint[] = scored.steps.map((step) => {
    const m = byStep.get(step);
    const conflict = findGroup(m, scorerId, s.view, 'conflict');
    const point: ReportPoint = {
      step, modelHash: scored.modelHashByStep.get(step)!,
      contextReliance: conflict?.rates['contextReliance'] ?? NULL_RATE,
      parametricReliance: conflict?.rates['parametricReliance'] ?? NULL_RATE,
    };
    const aligned = findGroup(m, scorerId, 'all', 'aligned')?.rates['alignedAccuracy'];
    if (aligned) point.alignedAccuracy = aligned;
    const closed = findGroup(m, scorerId, 'all', 'closed_book')?.rates['closedBookAccuracy'];
    if (closed) point.closedBookAccuracy = closed;
    const unknown = findGroup(m, scorerId, 'all', 'unknown_subject')?.rates['unknownSubjectAccuracy'];
    if (unknown) point.unknownSubjectAccuracy = unknown;
    const mcGroup = findGroup(m, 'logprob', s.view, 'conflict');
    if (mcGroup) point.meanMC = mcGroup.meanMC ?? null;
    if (benchmarkByStep.size > 0) point.benchmark = benchmarkByStep.get(step) ?? null;
    return point;
  });
  const curve = points.map((p) => ({ step: p.step, value: p.contextReliance.mean }));
  const summary = summarizeTrajectory(curve, s.smoothing);
  const mcnemar = summary.smoothedPeakStep !== null && summary.finalStep !== null && summary.smoothedPeakStep !== summary.finalStep
    ? pairedTest(scored, scorerId, mask, summary.smoothedPeakStep, summary.finalStep)
    : null;
  const dropTest = dropTestOf(curve, summary, { seed: streamSeed(s.bootstrap.seed, 'drop-test', input.label, scorerId, s.view), draws: s.dropTestDraws });
  const verdict = decideInversion({ trajectory: summary, dropTest, benchmarkByStep, dropThreshold: s.dropThreshold, minRise: s.minRise, alpha: s.alpha, benchmarkTolerance: s.benchmarkTolerance });

  // The other scorers' curves, summarised side by side (they can disagree: containment double-counts).
  const otherScorers: Record<string, unknown> = {};
  for (const sc of scorers) {
    if (!scored.byScorer.has(sc.id)) continue;
    const t = summarizeTrajectory(points.map((p) => ({ step: p.step, value: findGroup(byStep.get(p.step), sc.id, s.view, 'conflict')?.rates['contextReliance']?.mean ?? null })), s.smoothing);
    otherScorers[sc.id] = { peakStep: t.peakStep, peakValue: t.peakValue, finalValue: t.finalValue, drop: t.drop, smoothedDrop: t.smoothedDrop };
  }
  const trajectory: ReportRun['trajectory'] = {
    ...summary,
    benchmarkAtPeak: summary.smoothedPeakStep === null ? null : benchmarkByStep.get(nearestStep(benchmarkByStep, summary.smoothedPeakStep) ?? -1) ?? null,
    benchmarkAtFinal: summary.finalStep === null ? null : benchmarkByStep.get(nearestStep(benchmarkByStep, summary.finalStep) ?? -1) ?? null,
    scorers: otherScorers,
  };
  if (s.view === 'all') {
    const known = knownFactsMask(scored, scorerId);
    if (known) {
      const kt = summarizeTrajectory(points.map((p) => ({ step: p.step, value: findGroup(byStep.get(p.step), scorerId, 'known_facts', 'conflict')?.rates['contextReliance']?.mean ?? null })), s.smoothing);
      trajectory['knownFacts'] = { n: known.reduce((a, b) => a + b, 0), peakStep: kt.peakStep, peakValue: kt.peakValue, finalValue: kt.finalValue, drop: kt.drop };
    }
  }

  // Context reliance by substitution strategy and perturbation level (ClashEval), variants included, apart.
  if (summary.smoothedPeakStep !== null && summary.finalStep !== null) {
    trajectory['byStrategyLevel'] = perturbationBreakdown(scored, scorerId, { first: summary.firstStep ?? summary.smoothedPeakStep, peak: summary.smoothedPeakStep, final: summary.finalStep }, mask);
  }

  const perCategory: NonNullable<ReportRun['perCategory']> = [];
  if (summary.smoothedPeakStep !== null && summary.finalStep !== null) {
    const peakM = byStep.get(summary.smoothedPeakStep);
    const finalM = byStep.get(summary.finalStep);
    const pooledPeak = findGroup(peakM, scorerId, s.view, 'conflict');
    const pooledFinal = findGroup(finalM, scorerId, s.view, 'conflict');
    const pooledDrop = (pooledPeak?.rates['contextReliance']?.mean ?? 0) - (pooledFinal?.rates['contextReliance']?.mean ?? 0);
    const categories = [...new Set(scored.items.filter((p) => reportingSplit(p.item) === 'conflict').map((p) => p.item.category))].sort();
    for (const category of categories) {
      const a = findGroup(peakM, scorerId, s.view, 'conflict', category);
      const b = findGroup(finalM, scorerId, s.view, 'conflict', category);
      const peakValue = a?.rates['contextReliance']?.mean ?? null;
      const finalValue = b?.rates['contextReliance']?.mean ?? null;
      const drop = peakValue !== null && finalValue !== null ? peakValue - finalValue : null;
      const n = Math.min(a?.n ?? 0, b?.n ?? 0);
      const total = Math.min(pooledPeak?.n ?? 0, pooledFinal?.n ?? 0);
      // The category's share of the pooled drop: its drop weighted by its share of the items.
      const shareOfDrop = drop !== null && total > 0 && Math.abs(pooledDrop) > 1e-12 ? (drop * n) / total / pooledDrop : null;
      // The category's own curve as well: an inversion confined to one category can hide in the pooled one.
      const own = summarizeTrajectory(points.map((p) => ({ step: p.step, value: findGroup(byStep.get(p.step), scorerId, s.view, 'conflict', category)?.rates['contextReliance']?.mean ?? null })), s.smoothing);
      perCategory.push({
        category, n, peakValue, finalValue, drop, shareOfDrop, peakStep: summary.smoothedPeakStep, finalStep: summary.finalStep,
        own: { peakStep: own.peakStep, peakValue: own.peakValue, finalValue: own.finalValue, drop: own.drop, smoothedDrop: own.smoothedDrop },
      });
    }
  }

  if (verdict.outcome === 'none' && perCategory.length > 1) {
    for (const c of perCategory) {
      const own = c['own'] as { peakStep: number | null; smoothedDrop: number | null };
      if (own.smoothedDrop !== null && own.smoothedDrop >= s.dropThreshold && own.peakStep !== null) {
        verdict.reasons.push(`note: category ${c.category} on its own falls ${(own.smoothedDrop * 100).toFixed(1)} points (smoothed) after its peak at step ${own.peakStep}; see perCategory (not part of the verdict)`);
      }
    }
  }
  const out: ReportRun = { label: input.label, scorer: scorerId, points, trajectory, dropTest, mcnemar, verdict, perCategory };
  if (input.runDir !== undefined) out.runDir = input.runDir;
  return out;
}

/**
 * The InversionReport of one or more runs (a baseline and a mitigated finetuning overlay in one report).
 * Pure: the same inputs and options give the same report.
 * @example const report = buildInversionReport([{ label: 'baseline', items, records }], { seed: 1 });
 */
export function buildInversionReport(runs: readonly RunInput[], options: InversionOptions = {}): InversionReport {
  if (runs.length === 0) throw new CpiError('CPI_NO_RUNS', 'no runs to report', { hint: 'pass at least one run folder' });
  const s = settingsOf(options);
  const report: InversionReport = {
    schemaVersion: SCHEMA_VERSION,
    settings: {
      scorer: options.scorer ?? 'auto', view: s.view, dropThreshold: s.dropThreshold, minRise: s.minRise, alpha: s.alpha, smoothing: s.smoothing,
      benchmarkTolerance: s.benchmarkTolerance, benchmarkNames: options.benchmarkNames ? [...options.benchmarkNames] : 'all', logprobMargin: s.logprobMargin, bootstrap: s.bootstrap,
      benchmarkScale: options.benchmarkScale ?? 'auto',
      peakForVerdict: 'smoothed', verdictTest: DROP_TEST_PROCEDURE, dropTestDraws: s.dropTestDraws,
      pairedCounts: 'exact McNemar between the smoothed peak and the final checkpoint: descriptive only, not valid after choosing the peak',
    },
    runs: runs.map((r) => reportRun(r, options)) as InversionReport['runs'],
  };
  if (options.createdAt !== undefined) report.createdAt = options.createdAt;
  return report;
}
