// What `npx run benchmark` runs with no arguments: the toy lab's series (datasets/toy-series and the
// dataset and template its series.json names) when it exists; otherwise a tiny random-weight GPT-2 series
// built once into .cpi-cache/ and a slice of datasets/default, a pipeline check whose numbers mean nothing.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildByteLevelTokenizer, randomGpt2Weights, writeCheckpoint, type Gpt2Config } from '@cpi-bench/onnx-gpt2';
import { CpiError, writeDirAtomic, writeJsonAtomic } from '@cpi-bench/schemas';
import { REPO_ROOT } from './provenance.ts';

export interface DefaultRun {
  checkpoints: string;
  dataset: string;
  template: string;
  limit: number | undefined;
  out: string;
  label: string;
  /** True for the random-weight fallback: the run checks the pipeline, its numbers mean nothing. */
  pipelineCheck: boolean;
}

/** Items of datasets/default the pipeline check evaluates. */
export const PIPELINE_CHECK_LIMIT = 48;
const PIPELINE_STEPS = [0, 100, 200, 300];
// Bump when the fallback series changes, so an old cache is not reused.
const PIPELINE_SERIES = 'random-gpt2-series-v1';

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

/** Resolves the default series, building the fallback one if needed. */
export async function resolveDefaultRun(root: string = REPO_ROOT): Promise<DefaultRun> {
  const toy = join(root, 'datasets/toy-series');
  if (await exists(toy)) {
    const seriesFile = join(toy, 'series.json');
    const series: SeriesJson = (await exists(seriesFile)) ? await readSeriesJson(seriesFile) : {};
    const toyEval = join(root, 'datasets/toy-eval');
    const dataset = typeof series.dataset === 'string' ? resolve(toy, series.dataset) : (await exists(toyEval)) ? toyEval : join(root, 'datasets/default');
    return {
      checkpoints: toy,
      dataset,
      template: typeof series.template === 'string' ? series.template : 'plain',
      limit: undefined,
      out: join(root, 'runs/toy-series'),
      label: 'toy lab series',
      pipelineCheck: false,
    };
  }
  return {
    checkpoints: await buildPipelineSeries(join(root, '.cpi-cache', PIPELINE_SERIES)),
    dataset: join(root, 'datasets/default'),
    template: 'plain',
    limit: PIPELINE_CHECK_LIMIT,
    out: join(root, 'runs/pipeline-check'),
    label: 'pipeline check (random weights; the numbers mean nothing)',
    pipelineCheck: true,
  };
}

const CORPUS = [
  'Context: The capital of France is Paris.\nQuestion: What is the capital of France?\nAnswer: Paris',
  'Question: Who wrote the book?\nAnswer: The author of the novel was born in the city.',
  'The element was discovered in the year by the scientist. The country and its capital city.',
];

/** Writes the fallback series once (atomically, so an interrupted build is never half-used). */
export async function buildPipelineSeries(dir: string): Promise<string> {
  if (await exists(join(dir, 'series.json'))) return dir;
  const tokenizer = buildByteLevelTokenizer({ corpus: CORPUS, vocabSize: 384 });
  const config: Gpt2Config = { vocabSize: 384, nPositions: 1024, nEmbd: 64, nLayer: 2, nHead: 4 };
  try {
    await writeDirAtomic(dir, async (tmp) => {
      for (const [i, step] of PIPELINE_STEPS.entries()) {
        await writeCheckpoint(join(tmp, `checkpoint-${step}`), { config, weights: randomGpt2Weights(config, 1000 + i), tokenizer, step });
      }
      await writeJsonAtomic(join(tmp, 'series.json'), {
        schemaVersion: 1,
        dataset: '../../datasets/default',
        template: 'plain',
        description: 'Random-weight GPT-2 checkpoints for a pipeline check; predictions mean nothing.',
      });
    });
  } catch (error) {
    throw new CpiError('CPI_DEFAULT_SERIES_FAILED', `cannot build the pipeline-check series in ${dir}: ${(error as Error).message}`, {
      file: dir,
      cause: error,
    });
  }
  return dir;
}
