// Reads a run folder written by the runner: run-config.json, items.jsonl, predictions.jsonl (append-only;
// bad or torn lines are skipped and counted, never fatal), and optional benchmark scores beside them.
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { CpiError, readJsonl, validate, type RunConfig, pathExists } from '@cpi-bench/schemas';
import type { RunInput } from '../inversion-report.ts';
import type { BenchmarkReadOptions } from '../benchmarks.ts';
import { readBenchmarks } from './benchmarks.ts';

/** The run's config, validated; null when the folder has none (a run copied without it still reports). */
export async function readRunConfig(runDir: string): Promise<RunConfig | null> {
  const file = join(runDir, 'run-config.json');
  if (!(await pathExists(file))) return null;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CpiError('CPI_RUN_DIR_INVALID', `is not valid JSON (${(error as Error).message})`, { file, cause: error });
  }
  return validate('runConfig', json, { file });
}

/**
 * Loads a run folder as a RunInput. Items must be valid (they were validated when the run started); bad
 * prediction lines are skipped and counted in `skippedLines`. Benchmark scores are read from
 * `benchmarks.csv` or a `benchmarks/` folder of lm-eval results when present, at `options.benchmarkScale`.
 * Throws CPI_RUN_DIR_INVALID when the folder or its items or predictions are missing.
 */
export async function loadRunDir(runDir: string, options: BenchmarkReadOptions = {}): Promise<RunInput> {
  const dir = resolve(runDir);
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
    throw new CpiError('CPI_RUN_DIR_INVALID', `run folder ${runDir} does not exist`, { file: runDir, hint: 'pass a folder written by `npx run benchmark`' });
  }
  for (const f of ['items.jsonl', 'predictions.jsonl']) {
    if (!(await pathExists(join(dir, f)))) {
      throw new CpiError('CPI_RUN_DIR_INVALID', `run folder has no ${f}`, { file: join(runDir, f), hint: 'is this a run folder? it should hold run-config.json, items.jsonl and predictions.jsonl' });
    }
  }
  const config = await readRunConfig(dir);
  const items = await readJsonl(join(dir, 'items.jsonl'), { schema: 'conflictItem' });
  const predictions = await readJsonl(join(dir, 'predictions.jsonl'), { schema: 'predictionRecord', onInvalid: 'skip' });
  const input: RunInput = {
    label: config?.label ?? config?.runId ?? basename(dir),
    runDir,
    items: items.records.map((r) => r.value),
    records: predictions.records.map((r) => r.value),
    skippedLines: predictions.skipped,
  };
  if (await pathExists(join(dir, 'run.lock'))) input.inProgress = true;
  for (const candidate of ['benchmarks.csv', 'benchmarks']) {
    if (await pathExists(join(dir, candidate))) {
      input.benchmarks = await readBenchmarks(join(dir, candidate), options);
      break;
    }
  }
  return input;
}
