import { mkdtemp, readFile, rm, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJsonl, validate, type RunConfig } from '@cpi-bench/schemas';
import {
  buildInversionReport, curvesCsv, formatTrajectoryTable, loadRunDir, parseBenchmarkCsv, parseLmEvalResults, readBenchmarks,
  renderPlotSvg, reportRunDirs, stepFromName, summaryMarkdown, writeReportFiles,
} from '../src/index.ts';
import { HASH, makeItems, simulateRecords } from './fixtures/synthetic.ts';

/** Rendering loads vega and resvg's fonts: give it room on a shared 2-core machine. */
const RENDER_TIMEOUT_MS = 30_000;
const STEPS = [0, 100, 200, 300, 400, 500];
const curve = (s: number): number => [0.3, 0.7, 0.75, 0.55, 0.45, 0.4][STEPS.indexOf(s)]!;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cpi-metrics-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeRunDir(name: string, label: string): Promise<string> {
  const runDir = join(dir, name);
  await mkdir(runDir, { recursive: true });
  const items = makeItems(120, ['country_capital', 'element_symbol']);
  const records = simulateRecords(items, { steps: STEPS, contextCurve: curve, seed: 9 });
  const config: RunConfig = validate('runConfig', {
    schemaVersion: 1, runId: name, label, checkpoints: STEPS.map((step) => ({ path: `ckpt/checkpoint-${step}`, step, modelHash: HASH(step), tokenizerHash: HASH('tok') })),
    dataset: { path: 'datasets/x', sha256: HASH('d'), items: items.length }, splits: ['conflict', 'closed_book'], mode: 'generate', template: 'plain',
    device: 'cpu', batchSize: 8, maxNewTokens: 16, provenance: { tool: 'test' },
  });
  await writeFile(join(runDir, 'run-config.json'), JSON.stringify(config));
  await writeFile(join(runDir, 'items.jsonl'), toJsonl(items));
  // A bad line in the middle and a torn last line, as a crash would leave them.
  const lines = toJsonl(records).split('\n');
  lines.splice(5, 0, '{"schemaVersion":1,"itemId":"broken"}');
  await writeFile(join(runDir, 'predictions.jsonl'), lines.join('\n') + '{"schemaVersion":1,"key":"ab');
  return runDir;
}

describe('report files', () => {
  it('writes the JSON, CSV, Markdown, SVG holding the points, PNG and a self-contained HTML', async () => {
    const runDir = await writeRunDir('run-a', 'baseline');
    const input = await loadRunDir(runDir);
    expect(input.label).toBe('baseline');
    expect(input.skippedLines).toBe(1);
    expect(input.records).toHaveLength(120 * 2 * STEPS.length);
    const report = buildInversionReport([input], { bootstrapResamples: 200 });
    const out = join(dir, 'out-a');
    const files = await writeReportFiles(report, out);
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['inversion-report.json', 'curves.csv', 'summary.md', 'plot.svg', 'plot.png', 'report.html']);
    expect(JSON.parse(await readFile(files[0]!, 'utf8'))).toEqual(report);
    expect((await readdir(out)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const svg = await readFile(join(out, 'plot.svg'), 'utf8');
    for (const p of report.runs[0]!.points) {
      // vega's accessible labels carry each plotted point's step and value.
      expect(svg).toContain(`key: context reliance; step: ${p.step}; value: ${p.contextReliance.mean!.toFixed(3)}`);
    }
    const png = await readFile(join(out, 'plot.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBeGreaterThan(600); // width from the IHDR chunk

    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('baseline');
    expect(html).toContain(report.runs[0]!.verdict.detected ? 'inversion detected' : 'no inversion');
    // Self-contained: nothing is fetched when it is opened (the only URLs are SVG namespace declarations).
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html.replace(/xmlns(:\w+)?="[^"]*"/g, '')).not.toMatch(/(src|href)=["']?https?:/i);

    const csv = (await readFile(join(out, 'curves.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]!.startsWith('run,scorer,step,contextReliance,contextReliance_lo,contextReliance_hi,contextReliance_n')).toBe(true);
    expect(csv).toHaveLength(STEPS.length + 1);
    expect(await readFile(join(out, 'summary.md'), 'utf8')).toContain('| baseline | containment |');
  }, RENDER_TIMEOUT_MS);

  it('overlays two run folders with reportRunDirs and a benchmark CSV', async () => {
    const a = await writeRunDir('run-b', 'baseline');
    const b = await writeRunDir('run-c', 'mitigated');
    await writeFile(join(b, 'run.lock'), String(process.pid));
    const csv = join(dir, 'bench.csv');
    await writeFile(csv, ['step,benchmark,score,run', ...STEPS.map((s) => `${s},mmlu,${40 + s / 100},`), ...STEPS.map((s) => `${s},arc,50,mitigated`)].join('\n'));
    const { report, files } = await reportRunDirs([a, b], { benchmarksFile: csv, bootstrapResamples: 100 });
    expect(files[0]).toBe(join(a, 'report', 'inversion-report.json'));
    expect(report.runs.map((r) => r.label)).toEqual(['baseline', 'mitigated']);
    expect(report.runs[0]!.points[1]!.benchmark).toBeCloseTo(0.41, 10);
    expect(report.runs[1]!.points[1]!.benchmark).toBeCloseTo((0.41 + 0.5) / 2, 10);
    expect(report.settings?.['skippedPredictionLines']).toBe(2);
    expect(report.settings?.['runsInProgress']).toEqual(['mitigated']);
    expect(formatTrajectoryTable(report)).toMatch(/mitigated .*run\.lock present/);
    const svg = await renderPlotSvg(report);
    expect(svg).toContain('baseline: context reliance');
    expect(svg).toContain('mitigated: context reliance');
    expect(formatTrajectoryTable(report)).toMatch(/baseline[\s\S]*mitigated/);
    expect(summaryMarkdown(report)).toContain('| mitigated |');
    expect(curvesCsv(report).split('\n').filter((l) => l.startsWith('mitigated,'))).toHaveLength(STEPS.length);
  }, RENDER_TIMEOUT_MS);

  it('names the missing file of a folder that is not a run', async () => {
    await mkdir(join(dir, 'empty'), { recursive: true });
    await expect(loadRunDir(join(dir, 'empty'))).rejects.toMatchObject({ code: 'CPI_RUN_DIR_INVALID', file: join(dir, 'empty', 'items.jsonl') });
    await expect(loadRunDir(join(dir, 'nope'))).rejects.toMatchObject({ code: 'CPI_RUN_DIR_INVALID' });
  });
});

describe('benchmark scores', () => {
  const LM_EVAL = {
    results: {
      arc_challenge: { alias: 'arc_challenge', 'acc,none': 0.41, 'acc_stderr,none': 0.01, 'acc_norm,none': 0.44 },
      mmlu: { 'acc,none': 0.52 },
      mmlu_anatomy: { 'acc,none': 0.3 },
      gsm8k: { 'exact_match,strict-match': 0.12, 'exact_match,flexible-extract': 0.15 },
    },
    group_subtasks: { mmlu: ['mmlu_anatomy'] },
  };

  it('reads lm-evaluation-harness results, preferring acc_norm and leaving out a group\'s subtasks', () => {
    expect(parseLmEvalResults(LM_EVAL, 200)).toEqual([
      { step: 200, benchmark: 'arc_challenge', score: 0.44 },
      { step: 200, benchmark: 'mmlu', score: 0.52 },
      { step: 200, benchmark: 'gsm8k', score: 0.12 },
    ]);
    expect(() => parseLmEvalResults({ foo: 1 }, 0, 'x.json')).toThrow(expect.objectContaining({ code: 'CPI_BENCHMARK_INVALID', file: 'x.json' }));
  });

  it('reads a folder of per-checkpoint results files, the step from each name', async () => {
    const d = join(dir, 'lm-eval');
    await mkdir(join(d, 'checkpoint-300'), { recursive: true });
    await writeFile(join(d, 'step100.json'), JSON.stringify(LM_EVAL));
    await writeFile(join(d, 'checkpoint-300', 'results_2025-01-01T00-00-00.json'), JSON.stringify(LM_EVAL));
    const scores = await readBenchmarks(d);
    expect([...new Set(scores.map((s) => s.step))].sort()).toEqual([100, 300]);
    expect(stepFromName('run/ckpt_750/results.json')).toBe(750);
  });

  it('rejects a bad CSV row with its line', () => {
    expect(() => parseBenchmarkCsv('step,benchmark,score\n0,mmlu,0.4\nten,mmlu,0.5\n', 'b.csv')).toThrow(expect.objectContaining({ code: 'CPI_BENCHMARK_INVALID', file: 'b.csv', line: 3 }));
    expect(() => parseBenchmarkCsv('step,score\n0,1\n', 'b.csv')).toThrow(expect.objectContaining({ code: 'CPI_BENCHMARK_INVALID', line: 1 }));
    expect(parseBenchmarkCsv('step,benchmark,score\n0,mmlu,45\n')).toEqual([{ step: 0, benchmark: 'mmlu', score: 0.45 }]);
  });
});
