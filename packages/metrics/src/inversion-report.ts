// From runs (items + predictions + optional benchmark scores) to the InversionReport: the context-reliance
// curve per run, its peak and drop, the paired test between peak and final checkpoint, the verdict and
// which categories carry the drop. Pure: no files, no clock.
import type { CheckpointMetrics, ConflictItem, InversionReport, PredictionRecord, Rate } from '@cpi-bench/schemas';
import { CpiError, SCHEMA_VERSION } from '@cpi-bench/schemas';
import { benchmarkMeanByStep, type BenchmarkScore } from './benchmarks.ts';
import { checkpointMetricsOf, bootstrapSettings, type CheckpointGroup, type CheckpointMetricsOptions } from './checkpoint-metrics.ts';
import { formatPValue, mcnemarExact } from './stats/mcnemar.ts';
import { CTX_BIT, knownFactsMask, reportingSplit, scoreRun, type ScoredRun } from './scoring.ts';
import { perturbationBreakdown } from './perturbation.ts';
import { getScorer, scorers } from './scorers/registry.ts';
import { DEFAULT_LOGPROB_MARGIN } from './scorers/logprob.ts';
import { summarizeTrajectory, type TrajectorySummary } from './trajectory.ts';

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
export interface InversionOptions extends CheckpointMetricsOptions {
  /** Scorer whose context reliance is the curve. @default 'containment' where generations exist, else 'logprob' */
  scorer?: string;
  /** All conflict items, or only those whose fact the first checkpoint knew (closed-book probe). @default 'all' */
  view?: 'all' | 'known_facts';
  /** Smallest drop (peak - final, smoothed; a proportion) that counts. @default 0.05 */
  dropThreshold?: number;
  /** Significance level of the exact McNemar test between peak and final checkpoint. @default 0.05 */
  alpha?: number;
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
    alpha: options.alpha ?? 0.05,
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

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : `${(v * 100).toFixed(1)}%`;
}

/** The paired test between two checkpoints: items that followed the context at one and not the other. */
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

/** The step of `byStep` nearest to `step` (the earlier on a tie); null when there is none. */
function nearestStep(byStep: ReadonlyMap<number, number>, step: number): number | null {
  let best: number | null = null;
  for (const s of byStep.keys()) {
    if (best === null || Math.abs(s - step) < Math.abs(best - step) || (Math.abs(s - step) === Math.abs(best - step) && s < best)) best = s;
  }
  return best;
}

/** The inversion verdict and a reason per criterion (met or not). */
export function decideInversion(args: {
  trajectory: TrajectorySummary;
  mcnemar: { pValue: number; fromStep: number; toStep: number } | null;
  benchmarkByStep: ReadonlyMap<number, number>;
  dropThreshold: number;
  alpha: number;
  benchmarkTolerance: number;
}): { detected: boolean; reasons: string[] } {
  const t = args.trajectory;
  const reasons: string[] = [];
  if (t.smoothedPeakStep === null || t.finalStep === null || t.smoothedDrop === null) {
    return { detected: false, reasons: ['no conflict items were scored, so there is no context-reliance curve'] };
  }
  let ok = true;
  const rose = t.smoothedPeakStep !== t.firstStep;
  reasons.push(rose
    ? `context reliance rose to its (smoothed) peak at step ${t.smoothedPeakStep} (${pct(t.firstValue)} at step ${t.firstStep})`
    : `no rise: the (smoothed) peak is the first checkpoint, step ${t.firstStep}`);
  ok &&= rose;
  const bigDrop = t.smoothedDrop >= args.dropThreshold;
  reasons.push(`${bigDrop ? 'drop' : 'drop too small'}: ${(t.smoothedDrop * 100).toFixed(1)} points from the smoothed peak to the final checkpoint (threshold ${(args.dropThreshold * 100).toFixed(1)})`);
  ok &&= bigDrop;
  if (args.mcnemar) {
    const sig = args.mcnemar.pValue < args.alpha;
    reasons.push(`${sig ? 'significant' : 'not significant'}: exact McNemar p = ${formatPValue(args.mcnemar.pValue)} between steps ${args.mcnemar.fromStep} and ${args.mcnemar.toStep} (alpha ${args.alpha})`);
    ok &&= sig;
  } else if (t.smoothedPeakStep === t.finalStep) {
    reasons.push('no paired test: the peak is the final checkpoint');
    ok = false;
  } else {
    reasons.push('no paired test: no item was scored at both the peak and the final checkpoint');
    ok = false;
  }
  // Benchmarks are often run at a coarser cadence than the conflict evaluation: use the nearest step.
  const peakB = nearestStep(args.benchmarkByStep, t.smoothedPeakStep);
  const finalB = nearestStep(args.benchmarkByStep, t.finalStep);
  if (args.benchmarkByStep.size === 0) {
    reasons.push('no in-distribution benchmark scores given: that criterion was not applied');
  } else if (peakB === null || finalB === null || peakB === finalB) {
    reasons.push(`benchmark scores do not cover steps ${t.smoothedPeakStep} to ${t.finalStep} at two different checkpoints: that criterion was not applied`);
  } else {
    const bPeak = args.benchmarkByStep.get(peakB)!;
    const bFinal = args.benchmarkByStep.get(finalB)!;
    const held = bFinal >= bPeak - args.benchmarkTolerance;
    const at = `${pct(bPeak)} at step ${peakB}, ${pct(bFinal)} at step ${finalB}`;
    reasons.push(held
      ? `in-distribution benchmarks did not fall (${at})`
      : `in-distribution benchmarks fell too (${at}): a general degradation, not an inversion`);
    ok &&= held;
  }
  return { detected: ok, reasons };
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
  const summary = summarizeTrajectory(points.map((p) => ({ step: p.step, value: p.contextReliance.mean })), s.smoothing);
  const mcnemar = summary.smoothedPeakStep !== null && summary.finalStep !== null && summary.smoothedPeakStep !== summary.finalStep
    ? pairedTest(scored, scorerId, mask, summary.smoothedPeakStep, summary.finalStep)
    : null;
  const verdict = decideInversion({ trajectory: summary, mcnemar, benchmarkByStep, dropThreshold: s.dropThreshold, alpha: s.alpha, benchmarkTolerance: s.benchmarkTolerance });

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

  if (!verdict.detected && perCategory.length > 1) {
    for (const c of perCategory) {
      const own = c['own'] as { peakStep: number | null; smoothedDrop: number | null };
      if (own.smoothedDrop !== null && own.smoothedDrop >= s.dropThreshold && own.peakStep !== null) {
        verdict.reasons.push(`note: category ${c.category} on its own falls ${(own.smoothedDrop * 100).toFixed(1)} points (smoothed) after its peak at step ${own.peakStep}; see perCategory (not part of the verdict)`);
      }
    }
  }
  const out: ReportRun = { label: input.label, scorer: scorerId, points, trajectory, mcnemar, verdict, perCategory };
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
      scorer: options.scorer ?? 'auto', view: s.view, dropThreshold: s.dropThreshold, alpha: s.alpha, smoothing: s.smoothing,
      benchmarkTolerance: s.benchmarkTolerance, benchmarkNames: options.benchmarkNames ? [...options.benchmarkNames] : 'all', logprobMargin: s.logprobMargin, bootstrap: s.bootstrap,
      peakForVerdict: 'smoothed', pairedTest: 'exact McNemar, smoothed peak vs final checkpoint',
    },
    runs: runs.map((r) => reportRun(r, options)) as InversionReport['runs'],
  };
  if (options.createdAt !== undefined) report.createdAt = options.createdAt;
  return report;
}
