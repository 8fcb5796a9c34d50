// What makes a stored prediction trustworthy: it is reused only for the very same request (an edited
// template under its old id is recomputed), a failure is never cached (retried, counted, reported after 3
// attempts), and a run folder belongs to one series and one dataset (another is refused, never wiped).
import { cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPromptTemplate } from '@cpi-bench/generator';

import { loadOnnxModel, MAX_ATTEMPTS, resolveRunOptions, runBenchmark, type LanguageModel, type RunOptions } from '../src/index.ts';
import { defaultOutFor } from '../src/io/run-folder.ts';
import { makeItems, makeSeries, storedRecords, tempDir, writeItems } from './fixtures/checkpoints.ts';

const ITEMS = 6;
const STEPS = [0, 10];
let root: { dir: string; cleanup: () => Promise<void> };
let series: string;
let dataset: string;

beforeAll(async () => {
  root = await tempDir();
  series = join(root.dir, 'a', 'output');
  await makeSeries(series, STEPS);
  dataset = await writeItems(join(root.dir, 'items.jsonl'), makeItems(ITEMS));
});
afterAll(() => root.cleanup());

function options(out: string, extra: Partial<RunOptions> = {}): RunOptions {
  return resolveRunOptions({ checkpoints: series, dataset, out: join(root.dir, out), device: 'cpu', batchSize: 4, maxNewTokens: 4, ...extra });
}

describe('the key is the request', () => {
  it('recomputes every prediction when a template text changes under the same id', async () => {
    const first = await runBenchmark(options('template-edit'));
    const firstKeys = new Set((await storedRecords(first.runDir)).map((r) => r.key));
    const plain = getPromptTemplate('plain');
    const saved = { text: plain.text, closedBookText: plain.closedBookText };
    plain.text = saved.text.replace('Answer:', 'A:');
    if (saved.closedBookText) plain.closedBookText = saved.closedBookText.replace('Answer:', 'A:');
    try {
      const second = await runBenchmark(options('template-edit'));
      expect(second.jobs.cached).toBe(0);
      expect(second.jobs.computed).toBe(ITEMS * STEPS.length * 2);
      const rs = await storedRecords(second.runDir);
      // One record per item, step and mode, none of them from the old prompt.
      expect(rs).toHaveLength(ITEMS * STEPS.length * 2);
      expect(rs.filter((r) => firstKeys.has(r.key))).toEqual([]);
    } finally {
      plain.text = saved.text;
      if (saved.closedBookText) plain.closedBookText = saved.closedBookText;
    }
    const third = await runBenchmark(options('template-edit'));
    expect(third.jobs.computed).toBe(ITEMS * STEPS.length * 2); // back to the original text: recomputed again
  });
});

describe('a failure is never cached', () => {
  it(`retries a failed item on resume, counts attempts, and reports it after ${MAX_ATTEMPTS}`, async () => {
    const items = makeItems(3);
    // A continuation longer than the model's 256 positions cannot be scored: it fails every time.
    items[0] = { ...items[0]!, contextAnswer: 'Lyon '.repeat(300).trim() };
    const file = await writeItems(join(root.dir, 'always-fails.jsonl'), items);
    const opts = options('retry', { dataset: file, mode: 'score' });
    const computed: number[] = [];
    for (let run = 1; run <= MAX_ATTEMPTS + 1; run++) {
      const summary = await runBenchmark(opts);
      computed.push(summary.jobs.computed);
      if (run < MAX_ATTEMPTS) expect(summary.persistentFailures).toEqual([]);
      else expect(summary.persistentFailures.map((f) => [f.itemId, f.step, f.attempts, f.error.code])).toEqual(STEPS.map((s) => [items[0]!.id, s, MAX_ATTEMPTS, 'CPI_CONTINUATION_TOO_LONG']));
    }
    // First run: everything; then only the failing item at each step, until it has failed 3 times.
    expect(computed).toEqual([3 * STEPS.length, STEPS.length, STEPS.length, 0]);
    const rs = await storedRecords(join(root.dir, 'retry'));
    expect(rs).toHaveLength(3 * STEPS.length); // one record per key: the last attempt replaced the earlier ones
    expect(rs.filter((r) => !r.ok).map((r) => r.attempt)).toEqual(STEPS.map(() => MAX_ATTEMPTS));
  });

  it('a failure that goes away is replaced by the successful prediction', async () => {
    const flaky = async (...args: Parameters<typeof loadOnnxModel>): Promise<LanguageModel> => {
      const model = await loadOnnxModel(...args);
      // The real model, whose generate calls fail in this run as a transient error would (a driver hiccup).
      return Object.assign(Object.create(model) as LanguageModel, {
        generate: () => Promise.reject(new Error('transient')),
        dispose: () => model.dispose(),
      });
    };
    const opts = options('transient', { mode: 'generate', batchSize: 64 });
    const first = await runBenchmark(opts, { loadModel: flaky });
    expect(first.jobs.failed).toBe(ITEMS * STEPS.length);
    const second = await runBenchmark(opts);
    expect(second.jobs.computed).toBe(first.jobs.failed);
    const rs = await storedRecords(second.runDir);
    expect(rs).toHaveLength(ITEMS * STEPS.length);
    expect(rs.every((r) => r.ok)).toBe(true);
    expect(rs.filter((r) => r.attempt === 2)).toHaveLength(first.jobs.failed);
  });
});

describe('a run folder belongs to one series and one dataset', () => {
  it('refuses another series with the same folder name, and leaves the first run as it was', async () => {
    const other = join(root.dir, 'b', 'output');
    await makeSeries(other, STEPS);
    const first = await runBenchmark(options('bound', { mode: 'score' }));
    const before = await readFile(first.files.predictions);
    await expect(runBenchmark(options('bound', { mode: 'score', checkpoints: other }))).rejects.toMatchObject({
      code: 'CPI_RUN_FOLDER_BOUND',
      message: expect.stringContaining('pass another --out'),
    });
    await expect(runBenchmark(options('bound', { mode: 'score', checkpoints: other, resume: false }))).rejects.toMatchObject({ code: 'CPI_RUN_FOLDER_BOUND' });
    expect(await readFile(first.files.predictions)).toEqual(before);
    // The default folders of the two series differ although both are called "output".
    expect(defaultOutFor(series)).not.toBe(defaultOutFor(other));
    expect(defaultOutFor(series)).toBe(defaultOutFor(series + '/'));
  });

  it('refuses another dataset', async () => {
    const first = await runBenchmark(options('bound-data', { mode: 'score' }));
    const before = await readFile(first.files.predictions);
    const otherData = await writeItems(join(root.dir, 'other.jsonl'), makeItems(ITEMS + 3));
    await expect(runBenchmark(options('bound-data', { mode: 'score', dataset: otherData }))).rejects.toMatchObject({ code: 'CPI_RUN_FOLDER_BOUND' });
    expect(await readFile(first.files.predictions)).toEqual(before);
  });

  it('the default folder moves aside for other settings (--template alpaca) instead of wiping the default run', async () => {
    const first = await runBenchmark(options('default-run', { mode: 'score', moveAsideFromBoundFolder: true }));
    const before = await readFile(first.files.predictions);
    const alpaca = await runBenchmark(options('default-run', { mode: 'score', template: 'alpaca', moveAsideFromBoundFolder: true }));
    expect(alpaca.runDir).not.toBe(first.runDir);
    expect(alpaca.runDir.startsWith(first.runDir + '-')).toBe(true);
    expect(await readFile(first.files.predictions)).toEqual(before);
    // Both resume in their own folders.
    expect((await runBenchmark(options('default-run', { mode: 'score', moveAsideFromBoundFolder: true }))).jobs.computed).toBe(0);
    const again = await runBenchmark(options('default-run', { mode: 'score', template: 'alpaca', moveAsideFromBoundFolder: true }));
    expect([again.runDir, again.jobs.computed]).toEqual([alpaca.runDir, 0]);
  });

  it('a folder with predictions but no run-config.json belongs to an unknown run', async () => {
    const first = await runBenchmark(options('unknown', { mode: 'score' }));
    const copy = join(root.dir, 'unknown-copy');
    await cp(first.runDir, copy, { recursive: true });
    await rm(join(copy, 'run-config.json'));
    await expect(runBenchmark(options('unknown-copy', { mode: 'score' }))).rejects.toMatchObject({ code: 'CPI_RUN_FOLDER_BOUND' });
  });
});
