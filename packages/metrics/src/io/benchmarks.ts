// Reads in-distribution benchmark scores from disk: a CSV, one lm-eval results JSON, or a folder of them.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CpiError, stepFromName } from '@cpi-bench/schemas';
import { applyBenchmarkScale, parseBenchmarkCsv, rawLmEvalScores, type BenchmarkReadOptions, type BenchmarkScore } from '../benchmarks.ts';

async function readJsonFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CpiError('CPI_BENCHMARK_INVALID', `cannot read it as JSON (${(error as Error).message})`, { file, cause: error });
  }
}

/**
 * Benchmark scores from `path`: a `step,benchmark,score` CSV; an lm-evaluation-harness results JSON whose
 * name holds the step (`step500.json`, `checkpoint-500/results.json`); or a folder of such JSON files
 * (searched recursively, the step taken from the file or folder name). The scale is decided once for
 * what `path` holds (the CSV's column, or all results files together), or given by `benchmarkScale`.
 */
export async function readBenchmarks(path: string, options: BenchmarkReadOptions = {}): Promise<BenchmarkScore[]> {
  const info = await stat(path).catch((error: unknown) => {
    throw new CpiError('CPI_BENCHMARK_INVALID', `cannot read benchmark scores: ${(error as Error).message}`, { file: path, cause: error });
  });
  if (info.isFile()) {
    if (path.toLowerCase().endsWith('.csv')) return parseBenchmarkCsv(await readFile(path, 'utf8'), path, options);
    return applyBenchmarkScale(await readLmEvalFile(path), options.benchmarkScale ?? 'auto', path).scores;
  }
  const out: BenchmarkScore[] = [];
  const entries = (await readdir(path, { recursive: true })).map(String).filter((f) => f.toLowerCase().endsWith('.json')).sort();
  for (const rel of entries) out.push(...(await readLmEvalFile(join(path, rel), rel)));
  return applyBenchmarkScale(out, options.benchmarkScale ?? 'auto', path).scores;
}

/** One results file's scores as written (the caller scales the whole set at once). */
async function readLmEvalFile(file: string, rel = basename(file)): Promise<BenchmarkScore[]> {
  // lm-eval names its files results_<timestamp>.json inside a per-model folder: the step is in the folder
  // name then, so look at the path without the timestamped file name first.
  const withoutTimestamp = rel.replace(/results_[0-9T:._-]+\.json$/i, '');
  const step = stepFromName(withoutTimestamp) ?? stepFromName(rel);
  if (step === undefined) {
    throw new CpiError('CPI_BENCHMARK_INVALID', 'cannot tell which step these scores are for', { file, hint: 'name the file or its folder after the step, e.g. step500.json or checkpoint-500/' });
  }
  return rawLmEvalScores(await readJsonFile(file), step, file);
}
