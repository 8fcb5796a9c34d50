// Between `npx run benchmark`'s flags and a run file: the file's values fill in what the flags leave out
// (flags override the file), and the resolved run becomes the run-config.yaml that repeats it.
import { resolve } from 'node:path';
import { CpiError, type PromptTemplate, type RunSpec } from '@cpi-bench/schemas';
import type { ReportRunDirsOptions } from '@cpi-bench/metrics';
import type { RunOptions } from '../config.ts';
import { customPromptTemplate, readRunSpec, templateSpecOf, type ReportSpec } from '../io/run-spec.ts';
import type { BenchmarkFlags } from './benchmark.ts';

/** The report's settings as flags (strings, as commander gives them). */
export interface ReportFlags {
  scorer?: string;
  view?: 'all' | 'known_facts';
  dropThreshold?: string;
  minRise?: string;
  alpha?: string;
  smoothing?: string;
  benchmarks?: string;
  benchmarkScale?: 'auto' | 'fraction' | 'percent';
  allowMixedScorers?: boolean;
}

/**
 * A numeric flag: undefined when absent; "not a number" (CPI_BAD_OPTION) for text such as `--limit abc`.
 * Range checks stay with the option's owner (resolveRunOptions, the report).
 */
export function numberFlag(name: string, value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw new CpiError('CPI_BAD_OPTION', `--${name} must be a number; "${value}" is not a number`);
  return n;
}

/** The flags that define what a sweep computes, shared by `run benchmark` and `run enqueue`. */
export type SweepFlags = Pick<BenchmarkFlags, 'splits' | 'mode' | 'template' | 'limit' | 'device' | 'dtype' | 'batchSize' | 'threads' | 'maxNewTokens' | 'stop'>;

/** Those flags as run options (numbers parsed, splits split, `\n` in --stop a line break); undefined = default. */
export function sweepFlagOptions(flags: SweepFlags) {
  return {
    splits: flags.splits
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    mode: flags.mode,
    template: flags.template,
    limit: numberFlag('limit', flags.limit),
    device: flags.device,
    dtype: flags.dtype,
    batchSize: flags.batchSize === 'auto' ? ('auto' as const) : numberFlag('batch-size', flags.batchSize),
    threads: numberFlag('threads', flags.threads),
    maxNewTokens: numberFlag('max-new-tokens', flags.maxNewTokens),
    stop: flags.stop?.map((s) => s.replace(/\\n/g, '\n')),
  };
}

const str = (v: number | undefined): string | undefined => (v === undefined ? undefined : String(v));

/**
 * The flags with a run file's values under them. A `--config` file's custom template comes back as
 * `customTemplate` (a flag `--template ID` still wins over it).
 */
export async function withRunSpec<F extends BenchmarkFlags & ReportFlags & { config?: string }>(flags: F): Promise<F & { customTemplate?: PromptTemplate }> {
  if (!flags.config) return flags;
  const spec = await readRunSpec(flags.config);
  const r: ReportSpec = spec.report ?? {};
  const fromFile: { [K in keyof (BenchmarkFlags & ReportFlags)]?: (BenchmarkFlags & ReportFlags)[K] | undefined } = {
    checkpoints: Array.isArray(spec.checkpoints) ? spec.checkpoints.join(',') : spec.checkpoints,
    dataset: spec.dataset,
    splits: spec.splits?.join(','),
    mode: spec.mode,
    template: typeof spec.template === 'string' ? spec.template : undefined,
    limit: str(spec.limit),
    out: spec.out,
    label: spec.label,
    device: spec.device,
    dtype: spec.dtype as BenchmarkFlags['dtype'],
    batchSize: spec.batchSize === 'auto' ? 'auto' : str(spec.batchSize),
    threads: str(spec.threads),
    maxNewTokens: str(spec.maxNewTokens),
    stop: spec.stop,
    scorer: r.scorer,
    view: r.view,
    dropThreshold: str(r.dropThreshold),
    minRise: str(r.minRise),
    alpha: str(r.alpha),
    smoothing: str(r.smoothing),
    benchmarks: r.benchmarks,
    benchmarkScale: r.benchmarkScale,
  };
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const merged = { ...Object.fromEntries(Object.entries(fromFile).filter(([, v]) => v !== undefined)), ...given } as F & { customTemplate?: PromptTemplate };
  // --no-resume / --no-report are booleans that commander defaults to true: the file's false holds unless
  // the flag itself says false (it can only say false).
  if (spec.resume === false) merged.resume = false;
  if (r.enabled === false) merged.report = false;
  if (typeof spec.template === 'object' && flags.template === undefined) merged.customTemplate = customPromptTemplate(spec.template);
  return merged;
}

/** The report options of the flags, checked; what `reportRunDirs` takes. */
export function reportOptionsOf(flags: ReportFlags): Omit<ReportRunDirsOptions, 'outDir'> {
  const o: Omit<ReportRunDirsOptions, 'outDir'> = {};
  if (flags.scorer !== undefined) o.scorer = flags.scorer;
  if (flags.view !== undefined) o.view = flags.view;
  const fraction = (name: string, v: string | undefined): number | undefined => {
    const n = numberFlag(name, v);
    if (n !== undefined && (n < 0 || n > 1)) throw new CpiError('CPI_BAD_OPTION', `--${name} is a proportion between 0 and 1 (0.05 is 5 points), got ${n}`);
    return n;
  };
  const drop = fraction('drop-threshold', flags.dropThreshold);
  if (drop !== undefined) o.dropThreshold = drop;
  const rise = fraction('min-rise', flags.minRise);
  if (rise !== undefined) o.minRise = rise;
  const alpha = fraction('alpha', flags.alpha);
  if (alpha !== undefined) o.alpha = alpha;
  const smoothing = numberFlag('smoothing', flags.smoothing);
  if (smoothing !== undefined) {
    if (!Number.isInteger(smoothing) || smoothing < 0) throw new CpiError('CPI_BAD_OPTION', `--smoothing is a whole number of checkpoints (0 or more), got ${smoothing}`);
    o.smoothing = smoothing;
  }
  if (flags.benchmarks !== undefined) o.benchmarksFile = flags.benchmarks;
  if (flags.benchmarkScale !== undefined) o.benchmarkScale = flags.benchmarkScale;
  return o;
}

/** The run file that repeats a run: every resolved setting, absolute paths, the folder it ran in. */
export function resolvedRunSpec(options: RunOptions, runDir: string, report: ReturnType<typeof reportOptionsOf> & { enabled: boolean }): RunSpec {
  const spec: RunSpec = {
    checkpoints: (typeof options.checkpoints === 'string' ? options.checkpoints.split(',') : [...options.checkpoints]).map((p) => resolve(p.trim())),
    dataset: resolve(options.dataset),
    mode: options.mode,
    template: templateSpecOf(options.template),
    out: runDir,
    device: options.device,
    dtype: options.dtype,
    batchSize: options.batchSize,
    maxNewTokens: options.maxNewTokens,
    stop: [...options.stop],
    resume: options.resume,
  };
  if (options.splits) spec.splits = [...options.splits] as NonNullable<RunSpec['splits']>;
  if (options.limit !== undefined) spec.limit = options.limit;
  if (options.threads !== undefined) spec.threads = options.threads;
  if (options.label !== undefined) spec.label = options.label;
  const r: ReportSpec = { enabled: report.enabled };
  if (report.scorer !== undefined) r.scorer = report.scorer;
  if (report.view !== undefined) r.view = report.view;
  if (report.dropThreshold !== undefined) r.dropThreshold = report.dropThreshold;
  if (report.minRise !== undefined) r.minRise = report.minRise;
  if (report.alpha !== undefined) r.alpha = report.alpha;
  if (report.smoothing !== undefined) r.smoothing = report.smoothing;
  if (report.benchmarksFile !== undefined) r.benchmarks = report.benchmarksFile;
  if (report.benchmarkScale !== undefined) r.benchmarkScale = report.benchmarkScale;
  spec.report = r;
  return spec;
}
