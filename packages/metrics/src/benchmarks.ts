// In-distribution benchmark scores (the paper's "ID accuracy") from lm-evaluation-harness results files or
// a `step,benchmark,score` CSV. The verdict only calls a drop an inversion if these did not fall with it.
import Papa from 'papaparse';
import { CpiError } from '@cpi-bench/schemas';

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

/** The step a results file is for, from its name: `step100`, `checkpoint-100`, or the last number in it. */
export function stepFromName(name: string): number | null {
  const tagged = /(?:step|checkpoint|ckpt)[-_]?(\d+)/i.exec(name);
  if (tagged) return Number(tagged[1]);
  const all = name.match(/\d+/g);
  return all ? Number(all[all.length - 1]) : null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The scores in one lm-evaluation-harness results JSON (`{ results: { task: { "acc,none": … } } }`).
 * Subtasks of a group (`group_subtasks`) are left out when the group itself is reported, so MMLU counts
 * once. Percentages (scores above 1) are scaled to [0, 1].
 */
export function parseLmEvalResults(json: unknown, step: number, file = 'results.json'): BenchmarkScore[] {
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
    const raw = metrics[key] as number;
    out.push({ step, benchmark: task, score: raw > 1 ? raw / 100 : raw });
  }
  return out;
}

/**
 * Rows of a `step,benchmark,score` CSV (an optional `run` column names the run label a row belongs to).
 * Throws CPI_BENCHMARK_INVALID naming the file and line of the first bad row.
 */
export function parseBenchmarkCsv(text: string, file = 'benchmarks.csv'): BenchmarkScore[] {
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true, transformHeader: (h) => h.trim().toLowerCase() });
  const fields = parsed.meta.fields ?? [];
  for (const need of ['step', 'benchmark', 'score']) {
    if (!fields.includes(need)) {
      throw new CpiError('CPI_BENCHMARK_INVALID', `the CSV has no "${need}" column (found: ${fields.join(', ') || 'none'})`, { file, line: 1, hint: 'the header must be step,benchmark,score (and optionally run)' });
    }
  }
  return parsed.data.map((row, i) => {
    const line = i + 2;
    const step = Number(row['step']);
    const score = Number(row['score']);
    const benchmark = (row['benchmark'] ?? '').trim();
    if (!Number.isInteger(step) || step < 0) throw new CpiError('CPI_BENCHMARK_INVALID', `step "${row['step']}" is not a non-negative integer`, { file, line });
    if (!Number.isFinite(score)) throw new CpiError('CPI_BENCHMARK_INVALID', `score "${row['score']}" is not a number`, { file, line });
    if (benchmark === '') throw new CpiError('CPI_BENCHMARK_INVALID', 'the benchmark name is empty', { file, line });
    const out: BenchmarkScore = { step, benchmark, score: score > 1 ? score / 100 : score };
    const run = row['run']?.trim();
    if (run) out.run = run;
    return out;
  });
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
