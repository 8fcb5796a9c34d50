// The lab's line charts (several series over a shared x axis), drawn with vega-lite and rendered headless
// to SVG by vega, as the metrics package's report plots are. Deterministic output, so committed figures
// only change when the numbers do.
import type { TopLevelSpec } from 'vega-lite';

export interface ChartSeries {
  name: string;
  points: readonly (readonly [x: number, y: number])[];
  /** Draw dashed (e.g. a secondary metric of the same setting). */
  dashed?: boolean;
  /** Colour slot; series sharing it share a colour (defaults to the series' index). */
  colorSlot?: number;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Fixed y range; defaults to [0, 1]. */
  yRange?: readonly [number, number];
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The vega-lite specification of the chart (data inlined). */
export function lineChartSpec(series: readonly ChartSeries[], options: ChartOptions): TopLevelSpec {
  const names = series.map((s) => s.name);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: (options.width ?? 640) - 250,
    height: (options.height ?? 360) - 80,
    background: 'white',
    data: { values: series.flatMap((s) => s.points.map(([x, y]) => ({ series: s.name, x, y, dashed: s.dashed === true }))) },
    mark: { type: 'line', strokeWidth: 1.8 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xLabel },
      y: { field: 'y', type: 'quantitative', title: options.yLabel, scale: { domain: [...(options.yRange ?? [0, 1])], clamp: true } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: names,
        legend: { labelLimit: 300 },
        scale: { domain: names, range: series.map((s, i) => PALETTE[(s.colorSlot ?? i) % PALETTE.length] as string) },
      },
      strokeDash: { field: 'dashed', type: 'nominal', legend: null, scale: { domain: [false, true], range: [[1, 0], [5, 3]] } },
      order: { field: 'x', type: 'quantitative' },
    },
  };
}

/** Renders the series as a standalone SVG document. */
export async function lineChartSvg(series: readonly ChartSeries[], options: ChartOptions): Promise<string> {
  // Loaded on first use: vega takes about a second to import, and training never draws.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(lineChartSpec(series, options)).spec), { renderer: 'none' });
  try {
    return (await view.toSVG()) + '\n';
  } finally {
    view.finalize();
  }
}
