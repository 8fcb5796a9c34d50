// The numbers of docs/toylab/README.md, generated from the committed data files: each block sits between
// `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` markers and is rewritten from the data, the prose
// around it is written by hand. Pure; io/readme.ts reads the files and writes the README.
import { CpiError } from '@cpi-bench/schemas';
import type { ProbePoint } from './probe.ts';
import { f2, pv } from './format.ts';
import { labVerdict, verdictLine } from './lab-verdict.ts';
import type { LabOptions } from './options.ts';
import { SWEEP_SETTINGS, sweepMarkdown, sweepRun, type SweepRun } from './sweep-report.ts';

/** A series' lab-run.json, as far as the report reads it. */
export interface LabRunDoc {
  options: LabOptions;
  pretraining: { steps: number; closedBook: number; closedBookTemplate?: number };
  curve: ProbePoint[];
}

/** The runner's inversion-report.json, as far as the report reads it. */
export interface BenchmarkReportDoc {
  runs: {
    label: string;
    scorer: string;
    points: { step: number; contextReliance: { mean: number | null; n: number }; parametricReliance?: { mean: number | null }; closedBookAccuracy?: { mean: number | null; n: number } }[];
    trajectory: { smoothedPeakStep: number | null; smoothedPeakValue: number | null; finalValue: number | null; smoothedDrop: number | null; knownFacts?: { n: number } };
    dropTest: { pValue: number } | null;
    verdict: { name?: string; detected: boolean };
  }[];
}

/** The speed benchmark's result (bench/toylab.bench.ts with BENCH_OUT). */
export interface SpeedDoc { finetuning: { baseline: number; now: number; ratio: number }; pretraining: { baseline: number; now: number; ratio: number }; target: number; note?: string }

/** docs/toylab/theory/theory.json, as far as the report reads it. */
export interface TheoryDoc { scenarios: { id: string; description: string; summary: { peakStep: number; peakContextRatio: number; finalContextRatio: number; peakAttention: number; finalAttention: number; inverted: boolean }; points: { contextRatio: number }[] }[] }

export interface ReadmeData {
  theory: TheoryDoc | null;
  series: { name: string; run: LabRunDoc }[];
  benchmark: BenchmarkReportDoc | null;
  sweep: { runs: SweepRun[] } | null;
  speed: SpeedDoc | null;
  /** Runs the full grid asks for (settings x seeds). */
  plannedRuns: number;
}

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : `${(v * 100).toFixed(1)}%`);

function theoryBlock(theory: TheoryDoc | null): string {
  if (!theory) return '_No theory run committed (`npx toylab theory`)._';
  const lines = ['| scenario | M_C start → peak (step) → final | attention peak → final | outcome |', '|---|---|---|---|'];
  for (const sc of theory.scenarios) {
    const m = sc.summary;
    lines.push(`| ${sc.description} | ${f2(sc.points[0]?.contextRatio ?? Number.NaN)} → ${f2(m.peakContextRatio)} (${m.peakStep}) → ${f2(m.finalContextRatio)} | ${m.peakAttention.toFixed(3)} → ${m.finalAttention.toFixed(3)} | ${m.inverted ? 'rise then fall' : 'no fall'} |`);
  }
  return lines.join('\n');
}

function seriesBlock(series: ReadmeData['series']): string {
  const lines = ['| series | setting | pretraining steps | closed-book at the gate (sentence / QA template) | checkpoints | lab probe verdict (ft subjects) |', '|---|---|---|---|---|---|'];
  for (const { name, run } of series) {
    const o = run.options;
    const setting = `non-CC ${o.nonContextCriticalShare}, counterfactual ${o.counterfactualShare}, ${o.memorisableUnknowns ? 'memorisable' : 'fresh'} unknowns, seed ${o.seed}, ${o.steps} steps`;
    const checkpoints = run.curve.filter((p) => p.step % o.checkpointEvery === 0 || p.step === o.steps).length;
    lines.push(`| \`${name}\` | ${setting} | ${run.pretraining.steps} | ${f2(run.pretraining.closedBook)} / ${run.pretraining.closedBookTemplate === undefined ? 'n/a' : f2(run.pretraining.closedBookTemplate)} | ${checkpoints} | ${verdictLine(labVerdict(run.curve))} |`);
  }
  return lines.join('\n');
}

function benchmarkBlock(report: BenchmarkReportDoc | null): string {
  if (!report) return '_No runner report committed yet (`npx run benchmark`, then copy `runs/toy-series/report/inversion-report.json` to `docs/toylab/benchmark/`)._';
  const lines = ['| run (`npx run benchmark`) | scorer | conflict items | closed-book at step 0 | known-facts view keeps | context reliance at 0 → smoothed peak (step) → final | smoothed drop | drop test p | verdict |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of report.runs) {
    const first = r.points[0];
    const t = r.trajectory;
    const n = first?.contextReliance.n ?? 0;
    lines.push(`| ${r.label} | ${r.scorer} | ${n} | ${pct(first?.closedBookAccuracy?.mean)} | ${t.knownFacts ? `${t.knownFacts.n} of ${n}` : 'n/a'} | ${pct(first?.contextReliance.mean)} → ${pct(t.smoothedPeakValue)} (${t.smoothedPeakStep ?? '–'}) → ${pct(t.finalValue)} | ${t.smoothedDrop === null ? 'n/a' : `${(t.smoothedDrop * 100).toFixed(1)} points`} | ${pv(r.dropTest?.pValue)} | ${r.verdict.name ?? (r.verdict.detected ? 'inversion detected' : 'no inversion')} |`);
  }
  return lines.join('\n');
}

function sweepBlock(sweep: ReadmeData['sweep'], planned: number): string {
  if (!sweep || sweep.runs.length === 0) return `_No sweep run finished yet (0 of ${planned})._`;
  const runs = sweep.runs.map((r) => sweepRun(r.setting, r.seed, r.pretrainSteps, r.curve, r.seconds));
  const settings = SWEEP_SETTINGS.filter((s) => runs.some((r) => r.setting === s.id));
  const missing = SWEEP_SETTINGS.filter((s) => !settings.includes(s)).map((s) => s.id);
  return [
    `${runs.length} of the ${planned} planned runs are finished${missing.length ? `; not run yet: ${missing.join(', ')}` : ''}.`,
    '',
    sweepMarkdown(runs, settings).trimEnd(),
  ].join('\n');
}

function speedBlock(speed: SpeedDoc | null): string {
  if (!speed) return '_No speed measurement committed._';
  const row = (name: string, s: SpeedDoc['finetuning']): string => `| ${name} | ${f2(s.baseline)} | ${f2(s.now)} | ×${f2(s.ratio)} |`;
  const worst = Math.min(speed.finetuning.ratio, speed.pretraining.ratio);
  return [
    '| batch | old trainer (steps/s) | this trainer (steps/s) | ratio |', '|---|---|---|---|',
    row('finetuning', speed.finetuning), row('pretraining', speed.pretraining),
    '', `Worse of the two: ×${f2(worst)} against the target ×${speed.target}: **${worst >= speed.target ? 'PASS' : 'FAIL'}**${speed.note ? ` (${speed.note})` : ''}.`,
  ].join('\n');
}

/** The headline: the knowledge gate and each shipped series' curve and verdict, as the runner measured them. */
function headlineBlock(report: BenchmarkReportDoc | null): string {
  if (!report || report.runs.length === 0) return '_No runner report committed yet._';
  const lines: string[] = [];
  const base = report.runs[0]!;
  const first = base.points[0];
  const n = first?.contextReliance.n ?? 0;
  lines.push(`- **Knowledge gate:** at step 0 the runner measures ${pct(first?.closedBookAccuracy?.mean)} closed-book accuracy in the evaluation template, and the known-facts view keeps ${base.trajectory.knownFacts?.n ?? 'n/a'} of ${n} conflict items.`);
  for (const r of report.runs) {
    const t = r.trajectory, p0 = r.points[0], last = r.points[r.points.length - 1];
    lines.push(`- **${r.label}:** context reliance ${pct(p0?.contextReliance.mean)} at step 0 → smoothed peak ${pct(t.smoothedPeakValue)} at step ${t.smoothedPeakStep ?? '–'} → ${pct(t.finalValue)} at the end (smoothed drop ${t.smoothedDrop === null ? 'n/a' : `${(t.smoothedDrop * 100).toFixed(1)} points`}, drop test p ${pv(r.dropTest?.pValue)}); parametric answers ${pct(p0?.parametricReliance?.mean)} → ${pct(last?.parametricReliance?.mean)}. Verdict: **${r.verdict.name ?? (r.verdict.detected ? 'inversion detected' : 'no inversion')}**.`);
  }
  return lines.join('\n');
}

/** Every generated block of the README, by name. */
export function readmeBlocks(data: ReadmeData): Record<string, string> {
  return {
    headline: headlineBlock(data.benchmark),
    theory: theoryBlock(data.theory),
    series: seriesBlock(data.series),
    benchmark: benchmarkBlock(data.benchmark),
    sweep: sweepBlock(data.sweep, data.plannedRuns),
    speed: speedBlock(data.speed),
  };
}

/** Replaces each marked block of `readme` by its generated text; a marker without a block is an error. */
export function fillReadme(readme: string, blocks: Record<string, string>): string {
  let out = readme;
  for (const [name, text] of Object.entries(blocks)) {
    const re = new RegExp(`(<!-- generated:${name} -->)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new CpiError('CPI_TOYLAB_README_MARKER', `the README has no <!-- generated:${name} --> ... <!-- /generated:${name} --> block`, { hint: 'restore the markers' });
    out = out.replace(re, (_m, open: string, close: string) => `${open}\n${text}\n${close}`);
  }
  return out;
}
