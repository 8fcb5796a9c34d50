// What is shown is what is tested: every view marks the peak the verdict's drop test used (the smoothed
// one), shows its smoothed value, and names the smoothing as the trajectory applied it.
import { describe, expect, it } from 'vitest';
import { buildInversionReport, formatTrajectoryTable, plotSpec, reportHtml, summaryMarkdown } from '../src/index.ts';
import { makeItems, simulateRecords } from './fixtures/synthetic.ts';

const STEPS = Array.from({ length: 11 }, (_, i) => i * 100);
/** A one-checkpoint spike at step 100 (the raw peak), a broad hump around step 400 (the smoothed peak), then a fall. */
const VALUES = [0.3, 0.9, 0.5, 0.7, 0.72, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35];
const items = makeItems(400);
const report = buildInversionReport([{
  label: 'spiky', items, records: simulateRecords(items, { steps: STEPS, contextCurve: (s) => VALUES[STEPS.indexOf(s)]! }),
  benchmarks: STEPS.map((step) => ({ step, benchmark: 'mmlu', score: 0.5 })),
}], { bootstrapResamples: 50, seed: 3 });
const run = report.runs[0]!;
const t = run.trajectory;
const smoothedPct = `${(t.smoothedPeakValue! * 100).toFixed(1)}%`;

describe('the views mark the peak the verdict tests', () => {
  it('has a raw peak and a smoothed peak at different steps, and tests the smoothed one', () => {
    expect(t.peakStep).toBe(100);
    expect(t.smoothedPeakStep).not.toBe(100);
    expect(run.dropTest!.peakStep).toBe(t.smoothedPeakStep);
    expect(run.mcnemar!.fromStep).toBe(t.smoothedPeakStep);
    // The smoothed value differs from the raw value at that step: the views must show the smoothed one.
    const raw = run.points.find((p) => p.step === t.smoothedPeakStep)!.contextReliance.mean!;
    expect(Math.abs(raw - t.smoothedPeakValue!)).toBeGreaterThan(0.005);
  });

  it('console: the smoothed peak row shows the smoothed value, and the smoothing is "±2 checkpoints"', () => {
    const table = formatTrajectoryTable(report);
    const row = table.split('\n').find((l) => l.trimStart().startsWith(`${t.smoothedPeakStep} `))!;
    expect(row).toContain(`<- smoothed peak ${smoothedPct} (tested)`);
    expect(table.split('\n').find((l) => l.trimStart().startsWith('100 '))).toMatch(/<- raw peak$/);
    expect(table).toContain(`smoothed over ±2 checkpoints (tested): peak ${smoothedPct} at step ${t.smoothedPeakStep}`);
    expect(table).not.toMatch(/±k|\+-k/);
    expect(table).toMatch(/drop test: p = /);
  });

  it('Markdown: the same row and value, and the drop test in the summary table', () => {
    const md = summaryMarkdown(report);
    expect(md).toContain(`| ${t.smoothedPeakStep} (smoothed peak ${smoothedPct}, tested) |`);
    expect(md).toContain('| 100 (raw peak) |');
    expect(md).toContain(`| spiky | containment | ${smoothedPct} (${t.smoothedPeakStep}) | ${(t.peakValue! * 100).toFixed(1)}% (100) |`);
    expect(md).toContain('smoothed over ±2 checkpoints');
    expect(md).toMatch(/Drop test: peak-conditional permutation test/);
  });

  it('HTML: the highlighted row is the tested peak and says its smoothed value', () => {
    const html = reportHtml(report, '<svg></svg>');
    expect(html).toContain(`<tr class="peak"><td>${t.smoothedPeakStep} (smoothed peak ${smoothedPct}, tested)</td>`);
    expect(html.match(/<tr class="peak">/g)).toHaveLength(1);
    expect(html).toContain('<td>100 (raw peak)</td>');
  });

  it('plot: the diamond sits at the tested peak, at its smoothed value', () => {
    const values = (plotSpec(report) as unknown as { data: { values: { step: number; value: number; peak: boolean; label?: string }[] } }).data.values;
    const marked = values.filter((v) => v.peak);
    expect(marked).toEqual([expect.objectContaining({ step: t.smoothedPeakStep, value: t.smoothedPeakValue, label: `smoothed peak ${smoothedPct}` })]);
  });
});
