// What `npx run benchmark` runs with no arguments: the committed toy lab series (datasets/toy-series, with the
// dataset and template its series.json names, overlaid with datasets/toy-series-cf10 when present) found under
// the current directory, which is the repository root when the README's command is run. An installed runner
// has no series of its own: it asks for --checkpoints.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CpiError, writeFileAtomic, pathExists } from '@cpi-bench/schemas';

export interface DefaultRun {
  checkpoints: string;
  dataset: string;
  template: string;
  limit: number | undefined;
  out: string;
  label: string;
  /** The series' in-distribution scores per step (its benchmarks.csv), the verdict's benchmark criterion. */
  benchmarks?: string;
  /** A second toy series run and overlaid in the same report (datasets/toy-series-cf10: 10% counterfactual examples). */
  overlay?: DefaultRun;
}

interface SeriesJson {
  dataset?: unknown;
  template?: unknown;
  description?: unknown;
}

/** series.json as an object; a hand-edited file that is not one is the user's to fix (exit 2), not a bug. */
async function readSeriesJson(file: string): Promise<SeriesJson> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CpiError('CPI_SERIES_INVALID', `is not valid JSON: ${(error as Error).message}`, { file, cause: error, hint: 'fix or delete it (toylab train writes it)' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CpiError('CPI_SERIES_INVALID', 'must be a JSON object', { file, hint: 'fix or delete it (toylab train writes it)' });
  }
  return value as SeriesJson;
}

/**
 * Resolves the default series under `root` (default: the current directory).
 * @throws CpiError CPI_DEFAULT_SERIES_MISSING when `root` has no datasets/toy-series.
 */
export async function resolveDefaultRun(root: string = process.cwd()): Promise<DefaultRun> {
  const toy = resolve(root, 'datasets/toy-series');
  if (!(await pathExists(toy))) {
    throw new CpiError('CPI_DEFAULT_SERIES_MISSING', `no default checkpoint series here (${toy} does not exist)`, {
      hint: "run from a cpi-bench checkout (its datasets/toy-series is the default), or name your own: --checkpoints DIR --dataset DIR",
    });
  }
  const run = await toySeriesRun(root, 'toy-series', 'toy lab series');
  const cf = resolve(root, 'datasets/toy-series-cf10');
  if (await pathExists(join(cf, 'series.json'))) run.overlay = await toySeriesRun(root, 'toy-series-cf10', 'toy lab series + 10% counterfactual');
  return run;
}

/** A toy lab series folder under datasets/ as a default run (its series.json names the dataset and template). */
async function toySeriesRun(root: string, name: string, label: string): Promise<DefaultRun> {
  const toy = resolve(root, 'datasets', name);
  const seriesFile = join(toy, 'series.json');
  const series: SeriesJson = (await pathExists(seriesFile)) ? await readSeriesJson(seriesFile) : {};
  const toyEval = resolve(root, 'datasets/toy-eval');
  const dataset = typeof series.dataset === 'string' ? resolve(toy, series.dataset) : (await pathExists(toyEval)) ? toyEval : resolve(root, 'datasets/default');
  const run: DefaultRun = {
    checkpoints: toy,
    dataset,
    template: typeof series.template === 'string' ? series.template : 'plain',
    limit: undefined,
    out: resolve(root, 'runs', name),
    label,
  };
  if (await pathExists(join(toy, 'benchmarks.csv'))) run.benchmarks = join(toy, 'benchmarks.csv');
  return run;
}

/**
 * One benchmarks CSV for the report of the default runs: each series' rows, with a `run` column naming
 * the run's label, so each series' verdict reads its own in-distribution scores. Null when none has any.
 */
export async function writeDefaultBenchmarks(runs: readonly DefaultRun[], file: string): Promise<string | null> {
  const rows: string[] = [];
  for (const run of runs) {
    if (run.benchmarks === undefined) continue;
    const [header = '', ...lines] = (await readFile(run.benchmarks, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
    if (header.trim() !== 'step,benchmark,score') throw new CpiError('CPI_BENCHMARK_INVALID', 'expected the header step,benchmark,score', { file: run.benchmarks, line: 1 });
    for (const l of lines) rows.push(`${l},"${run.label.replace(/"/g, '""')}"`);
  }
  if (rows.length === 0) return null;
  await writeFileAtomic(file, ['step,benchmark,score,run', ...rows].join('\n') + '\n');
  return file;
}
