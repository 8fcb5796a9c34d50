// A minimal, dependency-free SVG line chart for the lab's curves (several series over a shared x axis).
// Deterministic output, so committed figures only change when the numbers do.

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

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Renders the series as a standalone SVG document. */
export function lineChartSvg(series: readonly ChartSeries[], options: ChartOptions): string {
  const width = options.width ?? 640, height = options.height ?? 360;
  const left = 56, right = 190, top = 34, bottom = 44;
  const plotW = width - left - right, plotH = height - top - bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs) : 1;
  const [yMin, yMax] = options.yRange ?? [0, 1];
  const sx = (x: number): number => left + (xMax === xMin ? 0 : ((x - xMin) / (xMax - xMin)) * plotW);
  const sy = (y: number): number => top + plotH - ((Math.min(Math.max(y, yMin), yMax) - yMin) / (yMax - yMin)) * plotH;
  const f = (n: number): string => n.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="20" font-size="13" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const y = yMin + ((yMax - yMin) * i) / 5;
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${f(sy(y))}" y2="${f(sy(y))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 6}" y="${f(sy(y) + 4)}" text-anchor="end">${Number(y.toFixed(2))}</text>`);
    const x = xMin + ((xMax - xMin) * i) / 5;
    out.push(`<text x="${f(sx(x))}" y="${top + plotH + 16}" text-anchor="middle">${Number(x.toFixed(0))}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = PALETTE[(s.colorSlot ?? i) % PALETTE.length] as string;
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${f(sx(p[0]))},${f(sy(p[1]))}`).join('');
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
    const ly = top + 10 + i * 16;
    out.push(`<line x1="${left + plotW + 10}" x2="${left + plotW + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
    out.push(`<text x="${left + plotW + 34}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
