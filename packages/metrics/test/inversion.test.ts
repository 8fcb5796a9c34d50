import { describe, expect, it } from 'vitest';
import { isValid, schemaIssues } from '@cpi-bench/schemas';
import { buildInversionReport, DROP_TEST_PROCEDURE, formatTrajectoryTable, summarizeTrajectory, type RunInput } from '../src/index.ts';
import { makeItems, simulateRecords, type SimulationOptions } from './fixtures/synthetic.ts';

const STEPS = Array.from({ length: 11 }, (_, i) => i * 50);
/** Rises from 0.3 to 0.8 at step 150, then falls to 0.45 by step 500. */
const riseThenFall = (step: number): number => (step <= 150 ? 0.3 + (0.5 * step) / 150 : 0.8 - (0.35 * (step - 150)) / 350);

function run(curve: SimulationOptions['contextCurve'], extra: Partial<SimulationOptions> = {}, count = 400): RunInput {
  const items = makeItems(count, ['country_capital', 'element_symbol']);
  return { label: 'synthetic', items, records: simulateRecords(items, { steps: STEPS, contextCurve: curve, ...extra }) };
}

/** In-distribution scores that hold steady: the benchmark criterion applied and met. */
const steadyBenchmarks = (steps: readonly number[] = STEPS) => steps.map((step) => ({ step, benchmark: 'mmlu', score: 0.5 }));

const FAST = { bootstrapResamples: 200, seed: 1 };

describe('inversion detection on synthetic trajectories', () => {
  it('detects a known rise-then-fall, at the right peak, with the right drop', () => {
    const report = buildInversionReport([{ ...run(riseThenFall), benchmarks: steadyBenchmarks() }], FAST);
    expect(schemaIssues('inversionReport', report)).toEqual([]);
    const r = report.runs[0]!;
    expect(r.verdict.detected).toBe(true);
    expect(r.verdict.outcome).toBe('inversion');
    expect(r.verdict.name).toBe('inversion detected');
    // The verdict's test is the drop test at the smoothed peak, and the report names it.
    expect(r.dropTest!.peakStep).toBe(r.trajectory.smoothedPeakStep);
    expect(r.dropTest!.finalStep).toBe(500);
    expect(r.dropTest!.pValue).toBeLessThan(0.05);
    expect(r.dropTest!.procedure).toBe(DROP_TEST_PROCEDURE);
    expect(report.settings!['verdictTest']).toBe(DROP_TEST_PROCEDURE);
    expect(r.verdict.reasons.join(' ')).toMatch(/significant: drop test p = /);
    expect(r.trajectory.peakStep).toBe(150);
    expect(r.trajectory.peakValue!).toBeCloseTo(0.8, 1);
    expect(r.trajectory.finalValue!).toBeCloseTo(0.45, 1);
    expect(r.trajectory.drop!).toBeCloseTo(0.35, 1);
    expect(r.mcnemar!.toStep).toBe(500);
    expect(r.mcnemar!.pValue).toBeLessThan(1e-6);
    // Persistent items only ever flip away from the context as the curve falls.
    expect(r.mcnemar!.ctxToPar).toBeGreaterThan(100);
    expect(r.mcnemar!.parToCtx).toBe(0);
    expect(r.points).toHaveLength(STEPS.length);
    const peakPoint = r.points.find((p) => p.step === 150)!;
    expect(peakPoint.contextReliance.lo!).toBeLessThan(peakPoint.contextReliance.mean!);
    expect(peakPoint.contextReliance.hi!).toBeGreaterThan(peakPoint.contextReliance.mean!);
    expect(peakPoint.closedBookAccuracy!.mean!).toBeCloseTo(0.8, 1);
  });

  it.each([
    ['flat', () => 0.5, {}],
    ['monotone rise', (s: number) => 0.2 + s / 1000, {}],
    ['noisy flat', () => 0.5, { noise: 'independent' as const }],
  ])('does not call a %s curve an inversion', (_name, curve, extra) => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const report = buildInversionReport([run(curve, { ...extra, seed })], FAST);
      expect(report.runs[0]!.verdict.detected, `seed ${seed}: ${report.runs[0]!.verdict.reasons.join('; ')}`).toBe(false);
    }
  });

  it('does not call a drop an inversion when the benchmarks fell with it', () => {
    const input = run(riseThenFall);
    input.benchmarks = STEPS.map((step) => ({ step, benchmark: 'mmlu', score: 0.6 - step / 2000 }));
    const r = buildInversionReport([input], FAST).runs[0]!;
    expect(r.verdict.detected).toBe(false);
    expect(r.verdict.reasons.join(' ')).toMatch(/benchmarks fell/);
    input.benchmarks = STEPS.map((step) => ({ step, benchmark: 'mmlu', score: 0.4 + step / 2000 }));
    const r2 = buildInversionReport([input], FAST).runs[0]!;
    expect(r2.verdict.detected).toBe(true);
    expect(r2.points[3]!.benchmark).toBeCloseTo(0.475, 10);
    // Benchmarks run every 100 steps only: the nearest steps stand in for the peak and the final checkpoint.
    input.benchmarks = [0, 100, 200, 300, 400, 500].map((step) => ({ step, benchmark: 'mmlu', score: 0.6 - step / 2000 }));
    const r3 = buildInversionReport([input], FAST).runs[0]!;
    expect(r3.verdict.detected).toBe(false);
    expect(r3.verdict.reasons.join(' ')).toMatch(/at step 200.*at step 500/);
    expect(r3.points[3]!.benchmark).toBeNull();
    // Only the named benchmarks count: a falling GSM8k left out of an Alpaca run's mean.
    input.benchmarks = STEPS.flatMap((step) => [{ step, benchmark: 'mmlu', score: 0.4 + step / 2000 }, { step, benchmark: 'gsm8k', score: 0.6 - step / 1000 }]);
    expect(buildInversionReport([input], FAST).runs[0]!.verdict.detected).toBe(false);
    expect(buildInversionReport([input], { ...FAST, benchmarkNames: ['mmlu'] }).runs[0]!.verdict.detected).toBe(true);
  });

  it('finds the category that carries the drop', () => {
    const curve = (step: number, category: string): number => (category === 'country_capital' ? riseThenFall(step) : 0.3 + step / 2000);
    const r = buildInversionReport([run(curve)], FAST).runs[0]!;
    const capitals = r.perCategory!.find((c) => c.category === 'country_capital')!;
    const elements = r.perCategory!.find((c) => c.category === 'element_symbol')!;
    expect(capitals.drop!).toBeGreaterThan(0.2);
    expect(elements.drop!).toBeLessThan(0);
    expect(capitals.shareOfDrop!).toBeGreaterThan(1);
    expect(capitals.shareOfDrop! + elements.shareOfDrop!).toBeCloseTo(1, 10);
    expect((capitals['own'] as { peakStep: number }).peakStep).toBe(150);
  });

  it('points at a category whose own curve inverts when the pooled one does not', () => {
    // Capitals rise and fall, elements rise steadily: pooled, the drop nearly cancels.
    const curve = (step: number, category: string): number => (category === 'country_capital' ? riseThenFall(step) : 0.2 + step / 800);
    const r = buildInversionReport([run(curve)], FAST).runs[0]!;
    expect(r.verdict.detected).toBe(false);
    expect(r.verdict.reasons.join(' ')).toMatch(/note: category country_capital on its own falls/);
  });

  it('detects an inversion in a short series of nine checkpoints, and says why five are too few', () => {
    const items = makeItems(150);
    const nine = [0, 100, 200, 300, 400, 500, 600, 700, 800];
    const nineCurve = (s: number): number => [0.3, 0.7, 0.72, 0.65, 0.6, 0.55, 0.5, 0.45, 0.4][nine.indexOf(s)]!;
    const r9 = buildInversionReport([{ label: 'short', items, records: simulateRecords(items, { steps: nine, contextCurve: nineCurve }), benchmarks: steadyBenchmarks(nine) }], FAST).runs[0]!;
    expect(r9.verdict.detected, r9.verdict.reasons.join('; ')).toBe(true);
    expect(r9.dropTest!.exact).toBe(true);
    // Two checkpoints after the peak have two orders: no order test can reach p < 0.05 there.
    const five = [0, 100, 200, 300, 400];
    const fiveCurve = (s: number): number => [0.3, 0.7, 0.6, 0.45, 0.4][five.indexOf(s)]!;
    const r5 = buildInversionReport([{ label: 'short', items, records: simulateRecords(items, { steps: five, contextCurve: fiveCurve }), benchmarks: steadyBenchmarks(five) }], FAST).runs[0]!;
    expect(r5.trajectory.peakStep).toBe(100);
    expect(r5.dropTest).toMatchObject({ peakStep: 200, permuted: 2, orderings: 2, pValue: 0.5 });
    expect(r5.verdict.detected).toBe(false);
    expect(r5.verdict.reasons.join(' ')).toMatch(/not significant: drop test p = 0\.500 .* among 2 orders of the 2 checkpoints after the peak/);
  });

  it('calls a drop without benchmark scores "drop detected; benchmark criterion not applied", never an inversion', () => {
    const r = buildInversionReport([run(riseThenFall)], FAST).runs[0]!;
    expect(r.verdict).toMatchObject({ detected: false, outcome: 'drop-without-benchmarks', name: 'drop detected; benchmark criterion not applied' });
    expect(r.verdict.reasons.join(' ')).toMatch(/no in-distribution benchmark scores given/);
    const table = formatTrajectoryTable(buildInversionReport([run(riseThenFall)], FAST));
    expect(table).toContain('verdict: drop detected; benchmark criterion not applied');
    expect(table).not.toMatch(/verdict: .*inversion/i);
  });

  it('asks for a minimum rise (minRise, default 5 points), not any increase', () => {
    // Rises 3 points (1.5 smoothed), then falls 20: a drop, but no rise worth the name.
    const small = (step: number): number => (step <= 200 ? 0.6 + (0.03 * step) / 200 : 0.63 - (0.2 * (step - 200)) / 300);
    const input = { ...run(small), benchmarks: steadyBenchmarks() };
    const r = buildInversionReport([input], FAST).runs[0]!;
    expect(r.verdict.detected).toBe(false);
    expect(r.verdict.reasons[0]).toMatch(/^rise too small: .*minimum 5\.0/);
    expect(buildInversionReport([input], { ...FAST, minRise: 0.01 }).runs[0]!.verdict.reasons[0]).toMatch(/^rose: /);
  });

  it('restricts to facts the first checkpoint knew in the known-facts view', () => {
    const input = run(riseThenFall, { knownRate: 0.5 });
    const all = buildInversionReport([input], FAST).runs[0]!;
    const known = buildInversionReport([input], { ...FAST, view: 'known_facts' }).runs[0]!;
    expect(all.points[0]!.contextReliance.n).toBe(400);
    // Persistent propensities: items with u < 0.5 know the fact; at step 0 exactly those with u < 0.3
    // follow the context, all of which are known.
    expect(known.points[0]!.contextReliance.n).toBeGreaterThan(150);
    expect(known.points[0]!.contextReliance.n).toBeLessThan(250);
    expect(known.points[0]!.contextReliance.mean!).toBeGreaterThan(all.points[0]!.contextReliance.mean!);
    expect((all.trajectory['knownFacts'] as { n: number }).n).toBe(known.points[0]!.contextReliance.n);
  });

  it('overlays several runs in one report and one table', () => {
    const base = { ...run(riseThenFall), label: 'baseline', benchmarks: steadyBenchmarks() };
    const fixed = { ...run((s) => 0.3 + s / 1000), label: 'mitigated' };
    const report = buildInversionReport([base, fixed], FAST);
    expect(report.runs.map((r) => [r.label, r.verdict.detected])).toEqual([['baseline', true], ['mitigated', false]]);
    const table = formatTrajectoryTable(report);
    expect(table).toContain('baseline');
    expect(table).toContain('mitigated');
    expect(table).toContain('INVERSION DETECTED');
    expect(table).toMatch(/150 .*<- raw peak/);
  });

  it('is deterministic for a seed', () => {
    const input = run(riseThenFall);
    expect(buildInversionReport([input], FAST)).toEqual(buildInversionReport([input], FAST));
  });

  it('reports every scorer side by side', () => {
    const r = buildInversionReport([run(riseThenFall)], FAST).runs[0]!;
    expect(Object.keys(r.trajectory['scorers'] as object)).toEqual(['containment', 'ordered']);
    expect(isValid('inversionReport', { schemaVersion: 1, runs: [r] })).toBe(true);
  });
});

describe('summarizeTrajectory', () => {
  it('finds peak, trough, recovery and area', () => {
    const t = summarizeTrajectory([0.2, 0.6, 0.4, 0.3, 0.35].map((value, i) => ({ step: i * 10, value })), 0);
    expect(t).toMatchObject({ peakStep: 10, peakValue: 0.6, troughStep: 30, troughValue: 0.3, finalStep: 40, finalValue: 0.35 });
    expect(t.drop!).toBeCloseTo(0.25, 12);
    expect(t.relativeDrop!).toBeCloseTo(0.25 / 0.6, 12);
    expect(t.recovery!).toBeCloseTo(0.05, 12);
    expect(t.auc!).toBeCloseTo((0.4 + 0.5 + 0.35 + 0.325) / 4, 12);
  });
  it('smooths a one-checkpoint spike away', () => {
    const t = summarizeTrajectory([0.5, 0.5, 0.9, 0.5, 0.6, 0.7, 0.7, 0.6, 0.5].map((value, i) => ({ step: i, value })), 2);
    expect(t.peakStep).toBe(2);
    expect(t.smoothedPeakStep).toBe(4);
    expect(t.smoothing).toBe(2);
  });
  it('narrows the smoothing window on a short curve, so a clear drop stays clear', () => {
    const t = summarizeTrajectory([0.3, 0.7, 0.6, 0.45, 0.4].map((value, i) => ({ step: i * 100, value })), 2);
    expect(t.smoothing).toBe(1);
    expect(t.smoothedPeakStep).toBe(200);
    expect(t.smoothedDrop!).toBeCloseTo((0.7 + 0.6 + 0.45) / 3 - (0.45 + 0.4) / 2, 10);
  });
  it('handles an empty curve', () => {
    expect(summarizeTrajectory([{ step: 0, value: null }]).peakStep).toBeNull();
  });
});
