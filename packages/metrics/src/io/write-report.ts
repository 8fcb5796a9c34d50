// Writes a report's folder atomically, and runs the whole report from run folders.
import { readdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { asFsCpiError, CpiError, validate, writeDirAtomic, type InversionReport } from '@cpi-bench/schemas';
import { buildInversionReport, type InversionOptions, type RunInput } from '../inversion-report.ts';
import { curvesCsv } from '../report/csv.ts';
import { reportHtml } from '../report/html.ts';
import { itemsViewData, itemsViewHtml, type ItemsViewData } from '../report/items-view.ts';
import { readPrompts } from './prompts.ts';
import { summaryMarkdown } from '../report/markdown.ts';
import { renderPlotSvg, renderPng } from '../report/plot.ts';
import { readBenchmarks } from './benchmarks.ts';
import { loadRunDir, readRunConfig } from './run-dir.ts';

/** The files writeReportFiles writes, in order. */
export const REPORT_FILES = ['inversion-report.json', 'curves.csv', 'summary.md', 'plot.svg', 'plot.png', 'report.html'] as const;

/**
 * Writes inversion-report.json, curves.csv, summary.md, plot.svg, plot.png and report.html into `outDir` and
 * returns their paths. The folder is written atomically: the files go to a temporary sibling folder, which
 * then replaces `outDir`, so a reader (or a full disk) never leaves 4 of 6 files or a stale mix of two
 * reports. The report is validated against its schema first. A folder holding other files is refused
 * (CPI_REPORT_FOLDER_NOT_EMPTY) rather than replaced.
 */
export async function writeReportFiles(report: InversionReport, outDir: string, extras: { itemsView?: ItemsViewData } = {}): Promise<string[]> {
  validate('inversionReport', report);
  const svg = await renderPlotSvg(report);
  const contents: Record<(typeof REPORT_FILES)[number], string | Uint8Array> = {
    'inversion-report.json': JSON.stringify(report, null, 2) + '\n',
    'curves.csv': curvesCsv(report),
    'summary.md': summaryMarkdown(report),
    'plot.svg': svg,
    'plot.png': renderPng(svg),
    'report.html': reportHtml(report, svg, extras.itemsView ? itemsViewHtml(extras.itemsView) : ''),
  };
  const present = await readdir(outDir).catch(() => [] as string[]);
  const foreign = present.filter((f) => !(REPORT_FILES as readonly string[]).includes(f));
  if (foreign.length > 0) {
    throw new CpiError('CPI_REPORT_FOLDER_NOT_EMPTY', `holds files that are not a report's (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}), which replacing the folder would delete`, {
      file: outDir,
      hint: 'pass a report --out that is empty, new, or an earlier report folder',
    });
  }
  try {
    await writeDirAtomic(outDir, async (tmp) => {
      for (const name of REPORT_FILES) await writeFile(join(tmp, name), contents[name]);
    });
  } catch (error) {
    throw asFsCpiError(error, outDir);
  }
  return REPORT_FILES.map((name) => join(outDir, name));
}

/**
 * Gives each run its overlay name: `labels` where given, else its own; a name two runs share gets the run
 * folder's name added, so two runs both called "toy lab series" never draw one zigzag line.
 */
function nameRuns(runs: RunInput[], runDirs: readonly string[], labels: readonly string[] | undefined): void {
  if (labels && labels.length > runs.length) {
    throw new CpiError('CPI_BAD_OPTION', `${labels.length} --label values for ${runs.length} run folder(s)`, { hint: 'give one --label per run folder, in the same order' });
  }
  runs.forEach((r, i) => {
    const label = labels?.[i];
    if (label !== undefined) r.label = label;
  });
  const count = new Map<string, number>();
  for (const r of runs) count.set(r.label, (count.get(r.label) ?? 0) + 1);
  runs.forEach((r, i) => {
    if ((count.get(r.label) ?? 0) > 1) r.label = `${r.label} (${basename(resolve(runDirs[i]!))})`;
  });
  const again = new Set<string>();
  runs.forEach((r, i) => {
    if (again.has(r.label)) r.label = `${r.label} #${i + 1}`;
    again.add(r.label);
  });
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
  /** The runs' names in the overlay, in the order of `runDirs` (default: each run's own label). */
  labels?: readonly string[];
  /** Overlay runs whose curves come from different scorers (refused by default: their rates are not comparable). */
  allowMixedScorers?: boolean;
} & InversionOptions;

/**
 * Loads the run folders, builds one InversionReport overlaying them, and writes its files. This is what
 * `npx run report RUN_A [RUN_B …]` calls.
 * @example const { report, files } = await reportRunDirs(['runs/baseline', 'runs/mitigated']);
 */
export async function reportRunDirs(runDirs: readonly string[], options: ReportRunDirsOptions = {}): Promise<{ report: InversionReport; files: string[] }> {
  const runs: RunInput[] = [];
  for (const dir of runDirs) runs.push(await loadRunDir(dir, options));
  nameRuns(runs, runDirs, options.labels);
  if (options.benchmarksFile !== undefined) {
    const scores = await readBenchmarks(options.benchmarksFile, options);
    for (const run of runs) {
      const mine = scores.filter((s) => s.run === undefined || s.run === run.label);
      if (mine.length > 0) run.benchmarks = mine;
    }
  }
  const { outDir, benchmarksFile: _ignored, labels: _labels, allowMixedScorers, ...inversionOptions } = options;
  const report = buildInversionReport(runs, { createdAt: new Date().toISOString(), ...inversionOptions });
  const scorersUsed = [...new Set(report.runs.map((r) => r.scorer))];
  if (scorersUsed.length > 1 && !allowMixedScorers) {
    throw new CpiError('CPI_MIXED_SCORERS', `the runs' curves come from different scorers (${report.runs.map((r) => `${r.label}: ${r.scorer}`).join(', ')}), whose rates are not comparable`, {
      hint: `pass --scorer ${scorersUsed.includes('logprob') ? 'logprob' : scorersUsed[0]} to read every run with one scorer, or --allow-mixed-scorers to overlay them anyway`,
    });
  }
  report.provenance = {
    tool: '@cpi-bench/metrics', toolVersion: versionOf('@cpi-bench/metrics'), node: process.version, platform: `${process.platform}-${process.arch}`,
    packageVersions: { vega: versionOf('vega'), 'vega-lite': versionOf('vega-lite'), '@resvg/resvg-js': versionOf('@resvg/resvg-js') },
  };
  const skipped = runs.reduce((a, r) => a + (r.skippedLines ?? 0), 0);
  if (skipped > 0) report.settings = { ...report.settings, skippedPredictionLines: skipped };
  // Checkpoints the runner could not run (a corrupt graph) are missing from the curve: the report says which.
  const failedCheckpoints: { run: string; step: number; path: string; code: string }[] = [];
  for (const [i, dir] of runDirs.entries()) {
    const config = await readRunConfig(dir).catch(() => null);
    for (const f of config?.failedCheckpoints ?? []) failedCheckpoints.push({ run: runs[i]!.label, step: f.step, path: f.path, code: f.error.code });
  }
  if (failedCheckpoints.length > 0) report.settings = { ...report.settings, failedCheckpoints };
  const inProgress = runs.filter((r) => r.inProgress).map((r) => r.label);
  // A report of a run still being written is legitimate (watching a long run), but it must say so.
  if (inProgress.length > 0) report.settings = { ...report.settings, runsInProgress: inProgress };
  const prompts = await Promise.all(runDirs.map((dir) => readPrompts(dir)));
  const files = await writeReportFiles(report, outDir ?? join(runDirs[0] ?? '.', 'report'), { itemsView: itemsViewData(report, runs, prompts) });
  return { report, files };
}
