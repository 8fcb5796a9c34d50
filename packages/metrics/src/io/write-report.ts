// Writes a report's files, each atomically, and runs the whole report from run folders.
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { writeFileAtomic, writeJsonAtomic, validate, type InversionReport } from '@cpi-bench/schemas';
import { buildInversionReport, type InversionOptions, type RunInput } from '../inversion-report.ts';
import { curvesCsv } from '../report/csv.ts';
import { reportHtml } from '../report/html.ts';
import { summaryMarkdown } from '../report/markdown.ts';
import { renderPlotSvg, renderPng } from '../report/plot.ts';
import { readBenchmarks } from './benchmarks.ts';
import { loadRunDir } from './run-dir.ts';

/** The files writeReportFiles writes, in order. */
export const REPORT_FILES = ['inversion-report.json', 'curves.csv', 'summary.md', 'plot.svg', 'plot.png', 'report.html'] as const;

/**
 * Writes inversion-report.json, curves.csv, summary.md, plot.svg, plot.png and report.html into `outDir`
 * (each atomically: a reader never sees half a file) and returns their paths. The report is validated
 * against its schema first.
 */
export async function writeReportFiles(report: InversionReport, outDir: string): Promise<string[]> {
  validate('inversionReport', report);
  const svg = await renderPlotSvg(report);
  const contents: Record<(typeof REPORT_FILES)[number], string | Uint8Array> = {
    'inversion-report.json': JSON.stringify(report, null, 2) + '\n',
    'curves.csv': curvesCsv(report),
    'summary.md': summaryMarkdown(report),
    'plot.svg': svg,
    'plot.png': renderPng(svg),
    'report.html': reportHtml(report, svg),
  };
  const paths: string[] = [];
  for (const name of REPORT_FILES) {
    const path = join(outDir, name);
    await writeFileAtomic(path, contents[name]);
    paths.push(path);
  }
  return paths;
}

const require = createRequire(import.meta.url);
function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Options of reportRunDirs: where to write, benchmark scores, and the statistics' options. */
export type ReportRunDirsOptions = {
  /** @default `<first runDir>/report` */
  outDir?: string;
  /** Benchmark scores for every run (CSV rows with a `run` column go to the run of that label). */
  benchmarksFile?: string;
} & InversionOptions;

/**
 * Loads the run folders, builds one InversionReport overlaying them, and writes its files. This is what
 * `npx run report RUN_A [RUN_B …]` calls.
 * @example const { report, files } = await reportRunDirs(['runs/baseline', 'runs/mitigated']);
 */
export async function reportRunDirs(runDirs: readonly string[], options: ReportRunDirsOptions = {}): Promise<{ report: InversionReport; files: string[] }> {
  const runs: RunInput[] = [];
  for (const dir of runDirs) runs.push(await loadRunDir(dir, options));
  if (options.benchmarksFile !== undefined) {
    const scores = await readBenchmarks(options.benchmarksFile, options);
    for (const run of runs) {
      const mine = scores.filter((s) => s.run === undefined || s.run === run.label);
      if (mine.length > 0) run.benchmarks = mine;
    }
  }
  const { outDir, benchmarksFile: _ignored, ...inversionOptions } = options;
  const report = buildInversionReport(runs, { createdAt: new Date().toISOString(), ...inversionOptions });
  report.provenance = {
    tool: '@cpi-bench/metrics', toolVersion: versionOf('@cpi-bench/metrics'), node: process.version, platform: `${process.platform}-${process.arch}`,
    packageVersions: { vega: versionOf('vega'), 'vega-lite': versionOf('vega-lite'), '@resvg/resvg-js': versionOf('@resvg/resvg-js') },
  };
  const skipped = runs.reduce((a, r) => a + (r.skippedLines ?? 0), 0);
  if (skipped > 0) report.settings = { ...report.settings, skippedPredictionLines: skipped };
  const inProgress = runs.filter((r) => r.inProgress).map((r) => r.label);
  // A report of a run still being written is legitimate (watching a long run), but it must say so.
  if (inProgress.length > 0) report.settings = { ...report.settings, runsInProgress: inProgress };
  const files = await writeReportFiles(report, outDir ?? join(runDirs[0] ?? '.', 'report'));
  return { report, files };
}
