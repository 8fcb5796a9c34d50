// Benchmark scales are declared per file (or column), never guessed per value: a 1.0 in a percent column
// is 1%, and a fraction column cannot hold a 45.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchmarkCsv, parseLmEvalResults, readBenchmarks } from '../src/index.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cpi-bench-scale-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const scores = (rows: { score: number }[]) => rows.map((r) => r.score);

describe('benchmark scales', () => {
  it('reads a percent CSV as percent throughout: its 1.0 row is 1%, not 100%', () => {
    const csv = 'step,benchmark,score\n0,mmlu,45\n100,mmlu,1.0\n200,mmlu,0.5\n';
    expect(scores(parseBenchmarkCsv(csv))).toEqual([0.45, 0.01, 0.005]);
  });

  it('reads a fraction CSV as fractions', () => {
    expect(scores(parseBenchmarkCsv('step,benchmark,score\n0,mmlu,0.45\n100,mmlu,1.0\n'))).toEqual([0.45, 1]);
  });

  it('takes the scale from the option when given, and refuses values outside it with the line', () => {
    expect(scores(parseBenchmarkCsv('step,benchmark,score\n0,mmlu,0.5\n100,mmlu,1\n', 'b.csv', { benchmarkScale: 'percent' }))).toEqual([0.005, 0.01]);
    expect(() => parseBenchmarkCsv('step,benchmark,score\n0,mmlu,0.4\n100,mmlu,45\n', 'b.csv', { benchmarkScale: 'fraction' }))
      .toThrow(expect.objectContaining({ code: 'CPI_BENCHMARK_INVALID', file: 'b.csv', line: 3 }));
    expect(() => parseBenchmarkCsv('step,benchmark,score\n0,mmlu,140\n', 'b.csv')).toThrow(expect.objectContaining({ code: 'CPI_BENCHMARK_INVALID', line: 2 }));
    expect(() => parseBenchmarkCsv('step,benchmark,score\n0,mmlu,-0.1\n', 'b.csv')).toThrow(expect.objectContaining({ code: 'CPI_BENCHMARK_INVALID', line: 2 }));
  });

  it('decides the scale of an lm-eval file from all its scores', () => {
    const json = { results: { mmlu: { 'acc,none': 45 }, arc: { 'acc,none': 1.0 } } };
    expect(scores(parseLmEvalResults(json, 0))).toEqual([0.45, 0.01]);
    expect(scores(parseLmEvalResults({ results: { arc: { 'acc,none': 1.0 } } }, 0))).toEqual([1]);
  });

  it('decides the scale of a folder of results files from all of them together', async () => {
    const d = join(dir, 'lm-eval');
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'step100.json'), JSON.stringify({ results: { mmlu: { 'acc,none': 45 } } }));
    await writeFile(join(d, 'step200.json'), JSON.stringify({ results: { mmlu: { 'acc,none': 1.0 } } }));
    const read = await readBenchmarks(d);
    expect(read.map((s) => [s.step, s.score])).toEqual([[100, 0.45], [200, 0.01]]);
    expect((await readBenchmarks(join(d, 'step200.json'))).map((s) => s.score)).toEqual([1]);
    expect((await readBenchmarks(join(d, 'step200.json'), { benchmarkScale: 'percent' })).map((s) => s.score)).toEqual([0.01]);
  });
});
