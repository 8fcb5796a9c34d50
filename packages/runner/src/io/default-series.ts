// What `npx run benchmark` runs with no arguments: the committed toy lab series (datasets/toy-series, with the
// dataset and template its series.json names) found under the current directory, which is the repository root
// when the README's command is run. An installed runner has no series of its own: it asks for --checkpoints.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CpiError } from '@cpi-bench/schemas';

export interface DefaultRun {
  checkpoints: string;
  dataset: string;
  template: string;
  limit: number | undefined;
  out: string;
  label: string;
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

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
  if (!(await exists(toy))) {
    throw new CpiError('CPI_DEFAULT_SERIES_MISSING', `no default checkpoint series here (${toy} does not exist)`, {
      hint: "run from a cpi-bench checkout (its datasets/toy-series is the default), or name your own: --checkpoints DIR --dataset DIR",
    });
  }
  const seriesFile = join(toy, 'series.json');
  const series: SeriesJson = (await exists(seriesFile)) ? await readSeriesJson(seriesFile) : {};
  const toyEval = resolve(root, 'datasets/toy-eval');
  const dataset = typeof series.dataset === 'string' ? resolve(toy, series.dataset) : (await exists(toyEval)) ? toyEval : resolve(root, 'datasets/default');
  return {
    checkpoints: toy,
    dataset,
    template: typeof series.template === 'string' ? series.template : 'plain',
    limit: undefined,
    out: resolve(root, 'runs/toy-series'),
    label: 'toy lab series',
  };
}
