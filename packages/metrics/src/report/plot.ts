// The plot of a report: context reliance, parametric reliance and (where given) the benchmark mean against
// step, one colour per run and series, bootstrap bands, the peak marked. Rendered headless: vega-lite ->
// vega -> SVG (no browser), and resvg turns the SVG into a PNG.
import type { InversionReport } from '@cpi-bench/schemas';
import { Resvg } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';
import { smoothingPhrase, testedPeak, verdictName } from './verdict-text.ts';

/** One plotted value. */
interface PlotRow {
  run: string;
  series: string;
  key: string;
  step: number;
  value: number;
  lo: number | null;
  hi: number | null;
  peak: boolean;
  label?: string;
}

function rows(report: InversionReport): PlotRow[] {
  const out: PlotRow[] = [];
  const multi = report.runs.length > 1;
  for (const run of report.runs) {
    const key = (series: string): string => (multi ? `${run.label}: ${series}` : series);
    for (const p of run.points) {
      if (p.contextReliance.mean !== null) out.push({ run: run.label, series: 'context reliance', key: key('context reliance'), step: p.step, value: p.contextReliance.mean, lo: p.contextReliance.lo, hi: p.contextReliance.hi, peak: false });
      if (p.parametricReliance.mean !== null) out.push({ run: run.label, series: 'parametric reliance', key: key('parametric reliance'), step: p.step, value: p.parametricReliance.mean, lo: p.parametricReliance.lo, hi: p.parametricReliance.hi, peak: false });
      if (p.benchmark !== undefined && p.benchmark !== null) out.push({ run: run.label, series: 'benchmark (ID accuracy)', key: key('benchmark (ID accuracy)'), step: p.step, value: p.benchmark, lo: null, hi: null, peak: false });
    }
    // The marked peak is the one the verdict tests: the smoothed peak, drawn at its smoothed value.
    const peak = testedPeak(run);
    if (peak.step !== null && peak.value !== null) out.push({ run: run.label, series: 'smoothed peak (tested)', key: key('context reliance'), step: peak.step, value: peak.value, lo: null, hi: null, peak: true, label: `smoothed peak ${(peak.value * 100).toFixed(1)}%` });
  }
  return out;
}

/** The vega-lite specification of the plot (data inlined), for users who want to restyle it. */
export function plotSpec(report: InversionReport): TopLevelSpec {
  const values = rows(report);
  const x = { field: 'step', type: 'quantitative', title: 'finetuning step' } as const;
  // One colour per run when runs overlay (the series told apart by dash), one per series otherwise.
  const multi = report.runs.length > 1;
  const color = multi
    ? ({ field: 'run', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2, labelLimit: 400 }, scale: { domain: report.runs.map((r) => r.label) } } as const)
    : ({ field: 'key', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2, labelLimit: 400 } } as const);
  const dash = multi ? { strokeDash: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } } } : {};
  const detail = multi ? { detail: { field: 'key', type: 'nominal' } } : {};
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Context reliance over finetuning', subtitle: report.runs.map((r) => `${r.label}: ${verdictName(r)} (${r.scorer}; peak ${smoothingPhrase(r)})`) },
    width: 640,
    height: 360,
    background: 'white',
    data: { values },
    layer: [
      {
        transform: [{ filter: 'datum.lo != null && datum.hi != null' }],
        mark: { type: 'area', opacity: 0.18 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color, ...detail },
      },
      {
        transform: [{ filter: '!datum.peak' }],
        mark: { type: 'line', point: { filled: true, size: 40 } },
        encoding: {
          x, color, ...dash, ...detail,
          y: { field: 'value', type: 'quantitative', title: 'share of conflict items / score', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
          tooltip: [{ field: 'key', type: 'nominal' }, { field: 'step', type: 'quantitative' }, { field: 'value', type: 'quantitative', format: '.3f' }],
        },
      },
      {
        transform: [{ filter: 'datum.peak' }],
        mark: { type: 'point', shape: 'diamond', size: 220, filled: true, stroke: 'black', strokeWidth: 1 },
        encoding: { x, y: { field: 'value', type: 'quantitative' }, color },
      },
      {
        transform: [{ filter: 'datum.peak' }],
        mark: { type: 'text', dy: -14, fontSize: 11 },
        encoding: { x, y: { field: 'value', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } },
      },
    ],
    config: { font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif', legend: { symbolOpacity: 1, symbolType: 'stroke' } },
  } as TopLevelSpec;
}

/** Renders the plot to SVG text, headless. */
export async function renderPlotSvg(report: InversionReport): Promise<string> {
  // Loaded on first use: vega takes about a second to import, and most users of this package never plot.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(plotSpec(report)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Renders SVG to PNG with resvg, using the system fonts (text is missing from the PNG where none are
 * installed; the SVG still has it).
 */
export function renderPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: scale }, background: 'white' });
  return resvg.render().asPng();
}
