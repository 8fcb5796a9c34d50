// `toylab readme`: regenerates the numbers of docs/toylab/README.md from the committed data files
// (series lab-run.json, the runner's report, sweep.json, the speed measurement); --check only compares.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CpiError, writeFileAtomic } from '@cpi-bench/schemas';
import { fillReadme, readmeBlocks, type BenchmarkReportDoc, type LabRunDoc, type ReadmeData, type SpeedDoc, type TheoryDoc } from '../readme-report.ts';
import { SWEEP_SETTINGS, type SweepRun } from '../sweep-report.ts';

/** Where the README and its data live, relative to the repository root. */
export const README_FILES = {
  readme: 'docs/toylab/README.md',
  series: ['toy-series', 'toy-series-cf10'],
  benchmark: 'docs/toylab/benchmark/inversion-report.json',
  sweep: 'docs/toylab/sweep/sweep.json',
  speed: 'docs/toylab/speed.json',
  theory: 'docs/toylab/theory/theory.json',
} as const;
/** The grid's seeds: every setting runs with each. */
export const SWEEP_SEEDS = [0, 1, 2] as const;

async function readJson<T>(file: string): Promise<T | null> {
  let text: string;
  try { text = await readFile(file, 'utf8'); } catch { return null; }
  try { return JSON.parse(text) as T; } catch (error) {
    throw new CpiError('CPI_TOYLAB_BAD_DATA', `is not valid JSON: ${(error as Error).message}`, { file });
  }
}

/** Reads the committed data the README quotes. */
export async function readReadmeData(root: string): Promise<ReadmeData> {
  const series: ReadmeData['series'] = [];
  for (const name of README_FILES.series) {
    const run = await readJson<LabRunDoc>(join(root, 'datasets', name, 'lab-run.json'));
    if (run) series.push({ name: `datasets/${name}`, run });
  }
  return {
    theory: await readJson<TheoryDoc>(join(root, README_FILES.theory)),
    series,
    benchmark: await readJson<BenchmarkReportDoc>(join(root, README_FILES.benchmark)),
    sweep: await readJson<{ runs: SweepRun[] }>(join(root, README_FILES.sweep)),
    speed: await readJson<SpeedDoc>(join(root, README_FILES.speed)),
    plannedRuns: SWEEP_SETTINGS.length * SWEEP_SEEDS.length,
  };
}

/** Refreshes the generated blocks of a Markdown file; writes it unless `check`, and says whether it changed. */
export async function refreshGeneratedBlocks(file: string, blocks: Record<string, string>, options: { check?: boolean } = {}): Promise<{ file: string; changed: boolean }> {
  const before = await readFile(file, 'utf8');
  const after = fillReadme(before, blocks);
  if (after !== before && !options.check) await writeFileAtomic(file, after);
  return { file, changed: after !== before };
}

/** The README with its generated blocks refreshed; writes it unless `check`. */
export async function regenerateReadme(root: string, options: { check?: boolean } = {}): Promise<{ file: string; changed: boolean }> {
  return refreshGeneratedBlocks(join(root, README_FILES.readme), readmeBlocks(await readReadmeData(root)), options);
}
