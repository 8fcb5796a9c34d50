// The researcher's workflow on the metrics side: readable samples, the per-item view's data, comparing two
// runs with a paired test, and overlays that keep runs apart (labels, scorers).
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJsonl, validate } from '@cpi-bench/schemas';
import { buildInversionReport, compareRuns, itemsViewData, itemsViewHtml, mcnemarExact, reportRunDirs, sampleRows } from '../src/index.ts';
import { HASH, makeItems, scoreRecord, simulateRecords } from './fixtures/synthetic.ts';

const RENDER_TIMEOUT_MS = 30_000;
const STEPS = [0, 100, 200, 300, 400, 500];
const rise = (s: number): number => [0.3, 0.7, 0.75, 0.55, 0.45, 0.4][STEPS.indexOf(s)]!;
const flat = (): number => 0.7;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cpi-workflow-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('samples', () => {
  it('joins both modes per item and checkpoint: output, answers, every scorer label, log-probabilities', () => {
    const items = makeItems(4);
    const conflict = items[0]!;
    const records = [...simulateRecords(items, { steps: [0], contextCurve: () => 1 }), scoreRecord(conflict, 0, -1, -3)];
    const rows = [...sampleRows(items, records)];
    expect(rows).toHaveLength(items.length);
    const row = rows.find((r) => r.itemId === conflict.id)!;
    expect(row.output).toBe(`The capital is ${conflict.contextAnswer}.`);
    expect(row.contextAnswer).toBe(conflict.contextAnswer);
    expect(row.parametricAnswer).toBe(conflict.parametricAnswer);
    expect(row.labels).toMatchObject({ containment: 'CTX', ordered: 'CTX', logprob: 'CTX' });
    expect(row.logprobs?.map((l) => l.logprob)).toEqual([-1, -3]);
    expect(row.mc).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
  });
});

describe('compare', () => {
  it('per step: the reliance of both runs, B - A, and McNemar on the paired items', () => {
    const items = makeItems(60);
    const a = { items, records: simulateRecords(items, { steps: STEPS, contextCurve: rise, seed: 3 }) };
    const b = { items, records: simulateRecords(items, { steps: STEPS, contextCurve: flat, seed: 3 }) };
    const result = compareRuns(a, b);
    expect(result.scorer).toBe('containment');
    expect(result.rows.map((r) => r.step)).toEqual(STEPS);
    const last = result.rows.at(-1)!;
    expect(last.n).toBe(60);
    // Same propensities (seed 3): at 40% vs 70% every item that follows the context in A does so in B too.
    expect(last.onlyA).toBe(0);
    expect(last.relianceB! - last.relianceA!).toBeCloseTo(last.difference!, 12);
    expect(last.difference!).toBeGreaterThan(0.2);
    expect(last.pValue).toBe(mcnemarExact(last.onlyA, last.onlyB));
    expect(last.pValue).toBeLessThan(0.001);
    const same = compareRuns(a, a);
    expect(same.rows.every((r) => r.difference === 0 && r.pValue === 1)).toBe(true);
  });
});

describe('the per-item view', () => {
  it("defaults to the verdict's peak and the final step, and its flips are the report's paired counts", () => {
    const items = makeItems(80, ['country_capital', 'element_symbol']);
    const run = { label: 'baseline', items, records: simulateRecords(items, { steps: STEPS, contextCurve: rise, noise: 'independent', seed: 5 }) };
    const report = buildInversionReport([run]);
    const data = itemsViewData(report, [run]);
    const view = data.runs[0]!;
    expect(view.peakStep).toBe(report.runs[0]!.trajectory.smoothedPeakStep);
    expect(view.finalStep).toBe(500);
    expect(view.items).toHaveLength(80); // conflict items only
    // Flips from the context to the parametric answer between the default pair, counted from the view's data
    // as the page's script counts them.
    const k = view.scorers.indexOf(view.scorer);
    const a = view.cells[view.steps.indexOf(view.peakStep!)]!;
    const b = view.cells[view.steps.indexOf(view.finalStep!)]!;
    const ctx = (code: string): boolean => code === '1' || code === '3';
    const flips = view.items.filter((_, i) => a.labels[i]![k] !== '0' && b.labels[i]![k] !== '0' && ctx(a.labels[i]![k]!) && !ctx(b.labels[i]![k]!)).length;
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBe(report.runs[0]!.mcnemar!.ctxToPar);
    // Outputs are interned strings, shown verbatim.
    expect(data.strings[b.outputs[0]!]).toMatch(/^The capital is /);
    const html = itemsViewHtml(data);
    expect(html).toContain('id="flipped-items"');
    expect(html).not.toMatch(/<\/script>[\s\S]*<\/script>[\s\S]*<\/script>/); // the data cannot close its script early
  });

  it("labels items with the report's log-probability margin, as the report counted them", () => {
    const items = makeItems(2);
    const conflict = items.find((i) => i.split === 'conflict')!;
    // The context answer leads by 1 nat: CTX under the default margin (0.1), AMBIG under a margin of 2.
    const records = [...simulateRecords(items, { steps: [0], contextCurve: () => 1 }), scoreRecord(conflict, 0, -1, -2)];
    const run = { label: 'x', items, records };
    const label = (margin?: number): string => {
      const data = itemsViewData(buildInversionReport([run], margin === undefined ? {} : { logprobMargin: margin }), [run]);
      const view = data.runs[0]!;
      const row = view.items.findIndex((it) => it[0] === conflict.id);
      return data.labels[Number(view.cells[0]!.labels[row]![view.scorers.indexOf('logprob')]) - 1] ?? 'none';
    };
    expect(label()).toBe('CTX');
    expect(label(2)).toBe('AMBIG');
  });

  it('embeds the data so that "</script>" in an output stays text', () => {
    const items = makeItems(2);
    const records = simulateRecords(items, { steps: [0, 1], contextCurve: () => 0.5 });
    records[0] = { ...records[0]!, generation: { text: '</script><script>alert(1)</script>' } };
    const report = buildInversionReport([{ label: 'x', items, records }]);
    const html = itemsViewHtml(itemsViewData(report, [{ label: 'x', items, records }]));
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).toContain('\\u003c/script>\\u003cscript>alert(1)\\u003c/script>');
  });
});

async function writeRunDir(name: string, label: string, mode: 'generate' | 'score'): Promise<string> {
  const runDir = join(dir, name);
  await mkdir(runDir, { recursive: true });
  const items = makeItems(40);
  const records = mode === 'generate'
    ? simulateRecords(items, { steps: STEPS, contextCurve: rise, seed: 2 })
    : items.flatMap((it) => STEPS.map((s) => scoreRecord(it, s, -1, -2)));
  const config = validate('runConfig', {
    schemaVersion: 1, runId: name, label, checkpoints: STEPS.map((step) => ({ path: `c/checkpoint-${step}`, step, modelHash: HASH(step), tokenizerHash: HASH('t') })),
    dataset: { path: 'd', sha256: HASH('d'), items: items.length }, splits: ['conflict', 'closed_book'], mode, template: 'plain',
    device: 'cpu', batchSize: 8, maxNewTokens: 16, provenance: { tool: 'test' },
  });
  await writeFile(join(runDir, 'run-config.json'), JSON.stringify(config));
  await writeFile(join(runDir, 'items.jsonl'), toJsonl(items));
  await writeFile(join(runDir, 'predictions.jsonl'), toJsonl(records));
  return runDir;
}

describe('overlays', () => {
  it(
    'two runs with one label are told apart; --label names them; one colour per run',
    async () => {
      const a = await writeRunDir('series-a', 'toy lab series', 'generate');
      const b = await writeRunDir('series-b', 'toy lab series', 'generate');
      const same = await reportRunDirs([a, b], { outDir: join(dir, 'r1') });
      expect(same.report.runs.map((r) => r.label)).toEqual(['toy lab series (series-a)', 'toy lab series (series-b)']);
      const named = await reportRunDirs([a, b], { outDir: join(dir, 'r2'), labels: ['baseline', 'mitigated'] });
      expect(named.report.runs.map((r) => r.label)).toEqual(['baseline', 'mitigated']);
      const svg = await readFile(join(dir, 'r2', 'plot.svg'), 'utf8');
      expect(svg).toContain('baseline');
      expect(svg).toContain('mitigated');
      const html = await readFile(join(dir, 'r2', 'report.html'), 'utf8');
      expect(html).toContain('id="flipped-items"');
      expect(html).toContain('Context reliance by scorer');
      expect(html).toContain('Known facts only');
      expect(html).not.toMatch(/(src|href)="https?:/);
    },
    RENDER_TIMEOUT_MS,
  );

  it(
    'refuses to overlay runs read by different scorers unless asked',
    async () => {
      const a = await writeRunDir('gen', 'generated', 'generate');
      const b = await writeRunDir('score', 'scored', 'score');
      await expect(reportRunDirs([a, b], { outDir: join(dir, 'r3') })).rejects.toMatchObject({ code: 'CPI_MIXED_SCORERS' });
      const mixed = await reportRunDirs([a, b], { outDir: join(dir, 'r3'), allowMixedScorers: true });
      expect(mixed.report.runs.map((r) => r.scorer)).toEqual(['containment', 'logprob']);
      const one = await reportRunDirs([a, b], { outDir: join(dir, 'r4'), scorer: 'logprob' });
      expect(one.report.runs.every((r) => r.scorer === 'logprob')).toBe(true);
    },
    RENDER_TIMEOUT_MS,
  );
});
