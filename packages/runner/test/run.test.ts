// Whole runs: the run folder, resume after a kill, the lock, recomputation on new weights, per-item
// failures, and the run-level errors (empty dataset, unknown template, changed settings).
import { spawn } from 'node:child_process';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, validate, type PredictionRecord } from '@cpi-bench/schemas';
import { resolveRunOptions, runBenchmark, type ProgressSink, type RunOptions } from '../src/index.ts';
import { makeCheckpoint, makeItems, makeSeries, storedRecords, tempDir, writeItems } from './fixtures/checkpoints.ts';

const ITEMS = 12;
const STEPS = [0, 10, 20];
let root: { dir: string; cleanup: () => Promise<void> };
let series: string;
let dataset: string;

beforeAll(async () => {
  root = await tempDir();
  series = join(root.dir, 'series');
  await makeSeries(series, STEPS);
  dataset = await writeItems(join(root.dir, 'items.jsonl'), makeItems(ITEMS));
});
afterAll(() => root.cleanup());

function options(out: string, extra: Partial<RunOptions> = {}): RunOptions {
  return resolveRunOptions({ checkpoints: series, dataset, out: join(root.dir, out), device: 'cpu', batchSize: 4, maxNewTokens: 4, ...extra });
}


/** (item, step, mode) -> number of records. */
function counts(rs: readonly PredictionRecord[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rs) m.set(`${r.itemId}|${r.step}|${r.mode}`, (m.get(`${r.itemId}|${r.step}|${r.mode}`) ?? 0) + 1);
  return m;
}

function recordingProgress(): ProgressSink & { notices: string[] } {
  const notices: string[] = [];
  return { notices, start() {}, advance() {}, checkpointDone() {}, notice: (m) => void notices.push(m), stop() {} };
}

describe('a run', () => {
  it('writes a complete, valid run folder with one record per item, checkpoint and mode', async () => {
    const summary = await runBenchmark(options('full'));
    expect(summary.jobs).toEqual({ total: ITEMS * STEPS.length * 2, computed: ITEMS * STEPS.length * 2, cached: 0, failed: 0 });
    const rs = await storedRecords(summary.runDir);
    expect(rs).toHaveLength(ITEMS * STEPS.length * 2);
    expect([...counts(rs).values()].every((n) => n === 1)).toBe(true);
    const config = validate('runConfig', JSON.parse(await readFile(join(summary.runDir, 'run-config.json'), 'utf8')));
    expect(config.checkpoints.map((c) => c.step)).toEqual(STEPS);
    expect(config.resolvedDevice).toBe('cpu');
    expect((await readJsonl(join(summary.runDir, 'items.jsonl'), { schema: 'conflictItem' })).records).toHaveLength(ITEMS);
    const manifests = await readJsonl(join(summary.runDir, 'checkpoints.jsonl'), { schema: 'checkpointManifest' });
    expect(manifests.records[0]?.value.graph?.hasPastKeyValues).toBe(true);
    const score = rs.find((r) => r.mode === 'score' && r.split === 'conflict');
    expect(score?.candidates?.map((c) => [c.role, c.isAlias ?? false])).toEqual([
      ['context', false],
      ['parametric', false],
      ['context', true],
    ]);
    await expect(stat(join(summary.runDir, 'run.lock'))).rejects.toThrow();
  });

  // The file is cut in bytes, as a kill is: the records hold non-ASCII text (U+FFFD from a random model), so a
  // cut computed on the decoded string's length landed a line off at times ("expected 38 to be 39").
  it.each([
    ['in the middle of a line', (bytes: Buffer) => bytes.indexOf(0x0a, Math.floor(bytes.length * 0.55)) - 10, 1],
    ['right after a record but before its newline', (bytes: Buffer) => bytes.indexOf(0x0a, Math.floor(bytes.length * 0.55)), 0],
  ])('resumes after a kill mid-write (%s): nothing stored is recomputed, one record per key', async (_where, cutAt, torn) => {
    const out = `resume-${torn}`;
    const first = await runBenchmark(options(out));
    const file = first.files.predictions;
    const bytes = await readFile(file);
    const cut = cutAt(bytes);
    await truncate(file, cut);
    const kept = bytes.subarray(0, cut);
    // Whole records left: terminated lines, plus an unterminated one that is complete JSON.
    const intact = kept.toString('utf8').split('\n').filter((line, i, all) => i < all.length - 1 || (line !== '' && torn === 0)).length;
    const progress = recordingProgress();
    const second = await runBenchmark(options(out), { progress });
    expect(second.jobs.cached).toBe(intact);
    expect(second.jobs.computed).toBe(ITEMS * STEPS.length * 2 - intact);
    expect(second.droppedOnResume).toBe(torn);
    if (torn) expect(progress.notices.some((n) => n.includes('dropped 1'))).toBe(true);
    const rs = await storedRecords(first.runDir);
    expect(rs).toHaveLength(ITEMS * STEPS.length * 2);
    expect([...counts(rs).values()].every((n) => n === 1)).toBe(true);
    // Same results as the uninterrupted run, key for key.
    const byKey = new Map((await storedRecords(join(root.dir, 'full'))).map((r) => [r.key, r]));
    for (const r of rs) expect(r.candidates ?? r.generation).toEqual(byKey.get(r.key)?.candidates ?? byKey.get(r.key)?.generation);
    const third = await runBenchmark(options(out));
    expect(third.jobs.computed).toBe(0);
  });

  it('recomputes a checkpoint whose weights changed under the same path, and only that one', async () => {
    const own = join(root.dir, 'own-series');
    await makeSeries(own, STEPS);
    const opts = options('recompute', { checkpoints: own });
    await runBenchmark(opts);
    await makeCheckpoint(join(own, 'checkpoint-10'), { seed: 999, step: 10 });
    const again = await runBenchmark(opts);
    expect(again.checkpoints.map((c) => c.computed)).toEqual([0, ITEMS * 2, 0]);
    const rs = await storedRecords(again.runDir);
    expect(rs).toHaveLength(ITEMS * STEPS.length * 2);
    expect([...counts(rs).values()].every((n) => n === 1)).toBe(true);
    const step10 = new Set(rs.filter((r) => r.step === 10).map((r) => r.modelHash));
    expect([...step10]).toEqual([again.checkpoints[1]!.modelHash]);
  });

  it('--no-resume recomputes everything', async () => {
    await runBenchmark(options('no-resume', { mode: 'score' }));
    const again = await runBenchmark(options('no-resume', { mode: 'score', resume: false }));
    expect(again.jobs.computed).toBe(ITEMS * STEPS.length);
    expect(await storedRecords(again.runDir)).toHaveLength(ITEMS * STEPS.length);
  });

  it('stores a failing item as data and goes on', async () => {
    const items = makeItems(3);
    // A continuation longer than the model's 256 positions cannot be scored.
    items[0] = { ...items[0]!, contextAnswer: 'Lyon '.repeat(300).trim() };
    const file = await writeItems(join(root.dir, 'bad-item.jsonl'), items);
    const summary = await runBenchmark(options('bad-item', { dataset: file, mode: 'score' }));
    expect(summary.jobs.failed).toBe(STEPS.length);
    const rs = await storedRecords(summary.runDir);
    expect(rs.filter((r) => !r.ok).map((r) => [r.itemId, r.error?.code])).toEqual(STEPS.map(() => [items[0]!.id, 'CPI_CONTINUATION_TOO_LONG']));
    expect(rs.filter((r) => r.ok)).toHaveLength(2 * STEPS.length);
  });

  it('refuses to resume with different settings, even with --no-resume, and keeps what is stored', async () => {
    const summary = await runBenchmark(options('mismatch', { mode: 'score' }));
    const before = await readFile(summary.files.predictions);
    await expect(runBenchmark(options('mismatch', { mode: 'score', template: 'alpaca' }))).rejects.toMatchObject({ code: 'CPI_RUN_CONFIG_MISMATCH' });
    await expect(runBenchmark(options('mismatch', { mode: 'score', template: 'alpaca', resume: false }))).rejects.toMatchObject({ code: 'CPI_RUN_CONFIG_MISMATCH' });
    expect(await readFile(summary.files.predictions)).toEqual(before);
  });
});

describe('the run lock', () => {
  it('refuses a second run while the owner lives', async () => {
    const out = join(root.dir, 'locked');
    await runBenchmark(options('locked', { mode: 'score' }));
    await writeFile(join(out, 'run.lock'), `${process.pid}\n`);
    await expect(runBenchmark(options('locked', { mode: 'score' }))).rejects.toMatchObject({ code: 'CPI_RUN_LOCKED' });
  });

  it('takes over the lock of a dead process and says so', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = child.pid!;
    await new Promise((done) => child.on('exit', done));
    await runBenchmark(options('stale', { mode: 'score' }));
    await writeFile(join(root.dir, 'stale', 'run.lock'), `${deadPid}\n`);
    const progress = recordingProgress();
    const summary = await runBenchmark(options('stale', { mode: 'score' }), { progress });
    expect(summary.jobs.computed).toBe(0);
    expect(progress.notices).toContainEqual(expect.stringContaining(`from pid ${deadPid}, which is no longer running`));
  });
});

describe('run-level errors', () => {
  it('an empty dataset', async () => {
    const file = join(root.dir, 'empty.jsonl');
    await writeFile(file, '');
    await expect(runBenchmark(options('empty', { dataset: file }))).rejects.toMatchObject({ code: 'CPI_DATASET_EMPTY' });
  });

  it('a split filter that leaves nothing', async () => {
    await expect(runBenchmark(options('no-split', { splits: ['unknown_subject'] }))).rejects.toMatchObject({ code: 'CPI_DATASET_EMPTY' });
  });

  it('an unknown template, before any work', async () => {
    await expect(runBenchmark(options('template', { template: 'no-such-template' }))).rejects.toMatchObject({ code: 'CPI_UNKNOWN_TEMPLATE' });
  });

  it('a chat template on checkpoints without one', async () => {
    await expect(runBenchmark(options('chat', { template: 'chat' }))).rejects.toMatchObject({ code: 'CPI_TEMPLATE_NEEDS_CHAT_TEMPLATE' });
  });
});

describe('--dtype', () => {
  it('insists on the precision asked for, and runs an fp16 series', async () => {
    await expect(runBenchmark(options('dtype-mismatch', { dtype: 'fp16', mode: 'score' }))).rejects.toMatchObject({ code: 'CPI_DTYPE_MISMATCH' });
    const fp16 = join(root.dir, 'fp16-series');
    await makeSeries(fp16, [0, 1], { dtype: 'fp16' });
    const summary = await runBenchmark(options('dtype-fp16', { checkpoints: fp16, dtype: 'fp16', mode: 'score' }));
    expect(summary.jobs.failed).toBe(0);
    const config = validate('runConfig', JSON.parse(await readFile(join(summary.runDir, 'run-config.json'), 'utf8')));
    expect(config.dtype).toBe('fp16');
  });
});
