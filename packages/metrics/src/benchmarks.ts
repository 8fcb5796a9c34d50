// In-distribution benchmark scores (the paper's "ID accuracy") from lm-evaluation-harness results files or
// a `step,benchmark,score` CSV. The verdict only calls a drop an inversion if these did not fall with it.
import Papa from 'papaparse';
import { CpiError } from '@cpi-bench/schemas';

/**
 * How a file states its scores: `fraction` (0.45) or `percent` (45). `auto` decides once for the whole
 * score column (a CSV, or every results file read together): percent when any score exceeds 1, else
 * fraction. Never per value: a 1.0 in a percent column is 1%, not 100%. Give the scale where a percent
 * column could hold only values <= 1.
 */
export type BenchmarkScale = 'auto' | 'fraction' | 'percent';

/** Options of the benchmark readers. */
export interface BenchmarkReadOptions {
  /** @default 'auto' */
  benchmarkScale?: BenchmarkScale;
}

/**
 * The scores of one column (scaled to [0, 1]) and the scale that was applied. Throws CPI_BENCHMARK_INVALID
 * for a score outside the declared scale's range, naming the file (and the line, where `lines` gives it).
 */
export function applyBenchmarkScale(scores: readonly BenchmarkScore[], scale: BenchmarkScale, file: string, lines?: readonly number[]): { scores: BenchmarkScore[]; scale: 'fraction' | 'percent' } {
  const resolved = scale === 'auto' ? (scores.some((s) => s.score > 1) ? 'percent' : 'fraction') : scale;
  const max = resolved === 'percent' ? 100 : 1;
  scores.forEach((s, i) => {
    if (s.score < 0 || s.score > max) {
      throw new CpiError('CPI_BENCHMARK_INVALID', `score ${s.score} of ${s.benchmark} at step ${s.step} lies outside [0, ${max}], the range of a ${resolved} column`, {
        file, ...(lines?.[i] !== undefined ? { line: lines[i] } : {}),
        hint: scale === 'auto' ? 'scores must all be fractions (0-1) or all percentages (0-100)' : `is the column really in ${resolved}? pass the other benchmark scale`,
      });
    }
  });
  const divisor = resolved === 'percent' ? 100 : 1;
  return { scores: scores.map((s) => ({ ...s, score: s.score / divisor })), scale: resolved };
}

/** One benchmark's score at one checkpoint, in [0, 1]. */
export interface BenchmarkScore {
  step: number;
  benchmark: string;
  score: number;
  /** Which run the score belongs to (a CSV `run` column), when one file holds several runs. */
  run?: string;
}

/** Metrics preferred when an lm-eval task reports several, in order (lm-eval >= 0.4 keys, then older ones). */
const METRIC_PREFERENCE = [
  'acc_norm,none', 'acc,none', 'exact_match,strict-match', 'exact_match,flexible-extract', 'exact_match,none', 'f1,none', 'exact,none',
  'acc_norm', 'acc', 'exact_match', 'f1', 'exact', 'em',
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The scores in one lm-evaluation-harness results JSON (`{ results: { task: { "acc,none": … } } }`).
 * Subtasks of a group (`group_subtasks`) are left out when the group itself is reported, so MMLU counts
 * once. The file's scores are scaled to [0, 1] together (see BenchmarkScale).
 */
export function parseLmEvalResults(json: unknown, step: number, file = 'results.json', options: BenchmarkReadOptions = {}): BenchmarkScore[] {
  return applyBenchmarkScale(rawLmEvalScores(json, step, file), options.benchmarkScale ?? 'auto', file).scores;
}

/** The scores of a results JSON as written in it (not scaled). */
export function rawLmEvalScores(json: unknown, step: number, file = 'results.json'): BenchmarkScore[] {
  if (!isRecord(json) || !isRecord(json['results'])) {
    throw new CpiError('CPI_BENCHMARK_INVALID', 'is not an lm-evaluation-harness results file (no "results" object)', { file, pointer: '/results' });
  }
  const results = json['results'];
  const subtasks = new Set<string>();
  const groupSubtasks = json['group_subtasks'];
  if (isRecord(groupSubtasks)) {
    for (const [group, subs] of Object.entries(groupSubtasks)) {
      if (group in results && Array.isArray(subs)) for (const s of subs) if (typeof s === 'string') subtasks.add(s);
    }
  }
  const out: BenchmarkScore[] = [];
  for (const [task, metrics] of Object.entries(results)) {
    if (subtasks.has(task) || !isRecord(metrics)) continue;
    const key = METRIC_PREFERENCE.find((k) => typeof metrics[k] === 'number');
    if (key === undefined) continue;
    out.push({ step, benchmark: task, score: metrics[key] as number });
  }
  return out;
}

/**
 * Rows of a `step,benchmark,score` CSV (an optional `run` column names the run label a row belongs to).
 * The score column has one scale (see BenchmarkScale). Throws CPI_BENCHMARK_INVALID naming the file and
 * line of the first bad row.
 */
export function parseBenchmarkCsv(text: string, file = 'benchmarks.csv', options: BenchmarkReadOptions = {}): BenchmarkScore[] {
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true, transformHeader: (h) => h.trim().toLowerCase() });
  const fields = parsed.meta.fields ?? [];
  for (const need of ['step', 'benchmark', 'score']) {
    if (!fields.includes(need)) {
      throw new CpiError('CPI_BENCHMARK_INVALID', `the CSV has no "${need}" column (found: ${fields.join(', ') || 'none'})`, { file, line: 1, hint: 'the header must be step,benchmark,score (and optionally run)' });
    }
  }
  const raw = parsed.data.map((row, i) => {
    const line = i + 2;
    const step = Number(row['step']);
    const score = Number(row['score']);
    const benchmark = (row['benchmark'] ?? '').trim();
    if (!Number.isInteger(step) || step < 0) throw new CpiError('CPI_BENCHMARK_INVALID', `step "${row['step']}" is not a non-negative integer`, { file, line });
    if (!Number.isFinite(score)) throw new CpiError('CPI_BENCHMARK_INVALID', `score "${row['score']}" is not a number`, { file, line });
    if (benchmark === '') throw new CpiError('CPI_BENCHMARK_INVALID', 'the benchmark name is empty', { file, line });
    const out: BenchmarkScore = { step, benchmark, score };
    const run = row['run']?.trim();
    if (run) out.run = run;
    return out;
  });
  return applyBenchmarkScale(raw, options.benchmarkScale ?? 'auto', file, raw.map((_, i) => i + 2)).scores;
}

/** The mean benchmark score per step (the paper's ID accuracy is the mean over its benchmarks). */
export function benchmarkMeanByStep(scores: readonly BenchmarkScore[]): Map<number, number> {
  const acc = new Map<number, { sum: number; n: number }>();
  for (const s of scores) {
    const a = acc.get(s.step) ?? { sum: 0, n: 0 };
    a.sum += s.score;
    a.n++;
    acc.set(s.step, a);
  }
  return new Map([...acc].map(([step, a]) => [step, a.sum / a.n]));
}
