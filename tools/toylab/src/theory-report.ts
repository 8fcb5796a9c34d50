// The theory mode's standard scenarios (pure C mix, C+S mix, C+S with trainable values) and their
// rendering as JSON, CSV and SVG text. Writing the files is left to io/.
import { SCHEMA_VERSION } from '@cpi-bench/schemas';
import { lineChartSvg, type ChartSeries } from './svg-chart.ts';
import { runTheory, type TheoryOptions, type TheoryResult } from './theory.ts';

export interface TheoryScenario { id: string; description: string; result: TheoryResult }

/**
 * Runs the three scenarios the lab report shows, sharing `overrides` (lr, steps, seed, …):
 * `c-only` (context-critical data only), `c-plus-s` (equal C and C+S shares, the paper's condition
 * |D_C| >= |D_C+S|) and `c-plus-s-values` (the same mix with the value matrix trained too, Prop. 3).
 */
export function runTheoryScenarios(overrides: Partial<TheoryOptions> = {}): TheoryScenario[] {
  const c = overrides.contextCritical ?? 100;
  const cs = overrides.nonContextCritical ?? c;
  return [
    { id: 'c-only', description: 'C points only (no non-context-critical data)', result: runTheory({ ...overrides, contextCritical: c, nonContextCritical: 0, trainValues: false }) },
    { id: 'c-plus-s', description: 'C + C+S mix, values frozen (Prop. 1 / Thm. 1)', result: runTheory({ ...overrides, contextCritical: c, nonContextCritical: cs, trainValues: false }) },
    { id: 'c-plus-s-values', description: 'C + C+S mix, values trained (Prop. 3)', result: runTheory({ ...overrides, contextCritical: c, nonContextCritical: cs, trainValues: true }) },
  ];
}

/** The JSON document written as theory.json. */
export function theoryJson(scenarios: readonly TheoryScenario[]): object {
  return { schemaVersion: SCHEMA_VERSION, kind: 'toylab-theory', scenarios: scenarios.map((s) => ({ id: s.id, description: s.description, options: s.result.options, summary: s.result.summary, points: s.result.points })) };
}

/** One row per scenario and step. */
export function theoryCsv(scenarios: readonly TheoryScenario[]): string {
  const rows = ['scenario,step,context_attention,context_ratio,context_accuracy,train_loss,weight_context,weight_subject'];
  for (const s of scenarios) {
    for (const p of s.result.points) {
      rows.push([s.id, p.step, p.contextAttention, p.contextRatio, p.contextAccuracy, p.trainLoss, p.weightContext, p.weightSubject].map((v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(6) : String(v))).join(','));
    }
  }
  return rows.join('\n') + '\n';
}

/** M_C (solid) and attention to the context (dashed) per scenario over gradient steps. */
export function theorySvg(scenarios: readonly TheoryScenario[]): Promise<string> {
  const series: ChartSeries[] = [];
  scenarios.forEach((s, i) => {
    series.push({ name: `${s.id} M_C`, points: s.result.points.map((p) => [p.step, p.contextRatio] as const), colorSlot: i });
    series.push({ name: `${s.id} attention`, points: s.result.points.map((p) => [p.step, p.contextAttention] as const), dashed: true, colorSlot: i });
  });
  return lineChartSvg(series, { title: "Theory (paper §5): context reliance on held-out conflicts", xLabel: 'gradient step', yLabel: 'M_C / attention to context' });
}

/** A short plain-text summary for the CLI. */
export function formatTheorySummary(scenarios: readonly TheoryScenario[]): string {
  return scenarios.map((s) => {
    const m = s.result.summary;
    return `${s.id.padEnd(16)} M_C ${m.peakContextRatio.toFixed(3)} at step ${m.peakStep} -> ${m.finalContextRatio.toFixed(3)} final (drop ${m.drop.toFixed(3)}), attention peak ${m.peakAttention.toFixed(3)} -> ${m.finalAttention.toFixed(3)}: ${m.inverted ? 'rise then fall' : 'no fall'}`;
  }).join('\n');
}
