// Faults a user's machine produces: --out at a file, under a file, on a read-only mount, a disk that fills
// up mid-run, a corrupt checkpoint in the middle of a series. Each is a coded CpiError (exit 2, not 70),
// leaves no temp file and no empty run folder behind, and a bad checkpoint does not end the sweep.
import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportRunDirs } from '@cpi-bench/metrics';
import { isCpiError } from '@cpi-bench/schemas';
import { openPredictionStore, resolveRunOptions, runBenchmark, type RunOptions } from '../src/index.ts';
import { makeItems, makeSeries, tempDir, writeItems } from './fixtures/checkpoints.ts';

const STEPS = [0, 10, 20];
let root: { dir: string; cleanup: () => Promise<void> };
let series: string;
let dataset: string;

beforeAll(async () => {
  root = await tempDir('cpi-faults-');
  series = join(root.dir, 'series');
  await makeSeries(series, STEPS);
  dataset = await writeItems(join(root.dir, 'items.jsonl'), makeItems(12));
});
afterAll(() => root.cleanup());

function options(out: string, extra: Partial<RunOptions> = {}): RunOptions {
  return resolveRunOptions({ checkpoints: series, dataset, out, device: 'cpu', batchSize: 4, maxNewTokens: 4, ...extra });
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Every file under `dir` whose name marks it as a temporary file. */
async function tempFiles(dir: string): Promise<string[]> {
  const all = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return all.filter((f) => /\.tmp$|\.tmp\b|\.old$/.test(f));
}

/** Mounts a tmpfs (root only; elsewhere the test is skipped). */
function mountTmpfs(dir: string, opts: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const unmount = (dir: string): void => void execFileSync('umount', [dir], { stdio: 'ignore' });

describe('--out that cannot be a run folder', () => {
  it('a file (EEXIST) and a path under a file (ENOTDIR) are CPI_OUT_NOT_A_FOLDER', async () => {
    const file = join(root.dir, 'a-file');
    await writeFile(file, 'not a folder\n');
    await expect(runBenchmark(options(file))).rejects.toMatchObject({ code: 'CPI_OUT_NOT_A_FOLDER' });
    await expect(runBenchmark(options(join(file, 'run')))).rejects.toMatchObject({ code: 'CPI_OUT_NOT_A_FOLDER' });
  });

  it('a read-only mount (EROFS) is CPI_OUT_READ_ONLY', async (ctx) => {
    const mnt = join(root.dir, 'ro');
    await mkdir(mnt);
    if (!mountTmpfs(mnt, 'ro,size=64k')) return ctx.skip();
    try {
      await expect(runBenchmark(options(join(mnt, 'run')))).rejects.toMatchObject({ code: 'CPI_OUT_READ_ONLY' });
    } finally {
      unmount(mnt);
    }
  });
});

describe('a full disk', () => {
  it('while appending to the store is CPI_DISK_FULL, with no temp file and no lock left', async (ctx) => {
    const mnt = join(root.dir, 'small');
    await mkdir(mnt);
    // Room for the config, the items and a few records, not for all 72.
    if (!mountTmpfs(mnt, 'size=24k')) return ctx.skip();
    const out = join(mnt, 'run');
    try {
      const error = await runBenchmark(options(out)).catch((e: unknown) => e);
      expect(isCpiError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'CPI_DISK_FULL', message: expect.stringContaining('no space left') });
      expect(await tempFiles(mnt)).toEqual([]);
      expect(await exists(join(out, 'run.lock'))).toBe(false);
    } finally {
      unmount(mnt);
    }
  });

  it('a write failure on append (/dev/full) is CPI_DISK_FULL', async () => {
    const dir = join(root.dir, 'dev-full');
    await mkdir(dir);
    const { store } = await openPredictionStore(dir, { resume: true });
    await rm(store.file);
    await symlink('/dev/full', store.file);
    const fake = { schemaVersion: 1, key: 'a'.repeat(64), itemId: 'x', split: 'conflict', step: 0, modelHash: 'b'.repeat(64), mode: 'score', template: 'plain', ok: false, error: { code: 'CPI_X', message: 'x' } } as const;
    await expect(store.append([fake])).rejects.toMatchObject({ code: 'CPI_DISK_FULL' });
    expect(await tempFiles(dir)).toEqual([]);
  });
});

describe('after a kill mid-write', () => {
  it('the next run removes the temp files the killed process left, and only those', async () => {
    const out = join(root.dir, 'debris');
    await runBenchmark(options(out, { mode: 'score' }));
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const debris = [`.predictions.jsonl.${dead}.0123abcd.tmp`, `run.lock.${dead}.89abcdef.tmp`];
    const live = `.predictions.jsonl.${process.pid}.0123abcd.tmp`; // a writer that is still running
    for (const f of [...debris, live]) await writeFile(join(out, f), '{"partial');
    await runBenchmark(options(out, { mode: 'score' }));
    expect(await tempFiles(out)).toEqual([live]);
  });
});

describe('a run that fails early', () => {
  it.each([
    ['an unknown template', { template: 'no-such-template' }, 'CPI_UNKNOWN_TEMPLATE'],
    ['a missing dataset', { dataset: '/nonexistent/items.jsonl' }, 'CPI_DATASET_NOT_FOUND'],
    ['a missing series', { checkpoints: '/nonexistent/series' }, 'CPI_NO_CHECKPOINTS'],
    ['a chat template without one', { template: 'chat' }, 'CPI_TEMPLATE_NEEDS_CHAT_TEMPLATE'],
  ] as const)('leaves no run folder (%s)', async (_what, extra, code) => {
    const out = join(root.dir, `early-${code}`);
    await expect(runBenchmark(options(out, extra as Partial<RunOptions>))).rejects.toMatchObject({ code });
    expect(await exists(out)).toBe(false);
  });
});

describe('a bad checkpoint in a series', () => {
  it('is marked failed and the sweep goes on to the next; fixed, it is run on resume', async () => {
    const bad = join(root.dir, 'bad-series');
    await makeSeries(bad, STEPS);
    const graph = join(bad, 'checkpoint-10', 'model.onnx');
    const good = await readFile(graph);
    await writeFile(graph, good.subarray(0, 200)); // a truncated (corrupt) graph
    const out = join(root.dir, 'bad-run');
    const summary = await runBenchmark(options(out, { checkpoints: bad, mode: 'score' }));
    expect(summary.failedCheckpoints.map((f) => f.step)).toEqual([10]);
    expect(summary.checkpoints.map((c) => [c.step, c.computed, c.error?.code ?? null])).toEqual([
      [0, 12, null],
      [10, 0, expect.stringMatching(/^CPI_/)],
      [20, 12, null],
    ]);
    const config = JSON.parse(await readFile(join(out, 'run-config.json'), 'utf8')) as { failedCheckpoints?: { step: number }[] };
    expect(config.failedCheckpoints?.map((f) => f.step)).toEqual([10]);
    const { report } = await reportRunDirs([out]);
    expect(report.settings?.failedCheckpoints).toEqual([expect.objectContaining({ step: 10, path: join(bad, 'checkpoint-10') })]);
    expect(report.runs[0]!.points.map((p) => p.step)).toEqual([0, 20]);
    await writeFile(graph, good);
    const again = await runBenchmark(options(out, { checkpoints: bad, mode: 'score' }));
    expect([again.jobs.computed, again.failedCheckpoints]).toEqual([12, []]);
  });
});

describe('the report folder', () => {
  it('is written atomically: a full disk keeps the previous report whole and leaves no temp folder', async (ctx) => {
    const run = await runBenchmark(options(join(root.dir, 'report-run'), { mode: 'score' }));
    const first = await reportRunDirs([run.runDir], { outDir: join(root.dir, 'report-size') });
    const bytes = (await Promise.all(first.files.map((f) => stat(f)))).reduce((n, s) => n + s.size, 0);
    const mnt = join(root.dir, 'report-disk');
    await mkdir(mnt);
    // Room for one report, not for a second one beside it.
    if (!mountTmpfs(mnt, `size=${Math.ceil((bytes * 1.5) / 4096) * 4096}`)) return ctx.skip();
    try {
      const out = join(mnt, 'report');
      await cp(join(root.dir, 'report-size'), out, { recursive: true });
      const before = await Promise.all(first.files.map((f) => readFile(join(out, f.slice(f.lastIndexOf('/') + 1)))));
      await expect(reportRunDirs([run.runDir], { outDir: out })).rejects.toMatchObject({ code: 'CPI_DISK_FULL' });
      const after = await Promise.all(first.files.map((f) => readFile(join(out, f.slice(f.lastIndexOf('/') + 1)))));
      expect(after).toEqual(before);
      expect(await readdir(mnt)).toEqual(['report']);
    } finally {
      unmount(mnt);
    }
  });

  it('refuses a folder holding other files instead of replacing it', async () => {
    const run = await runBenchmark(options(join(root.dir, 'report-run'), { mode: 'score' }));
    const mine = join(root.dir, 'my-results');
    await mkdir(mine);
    await writeFile(join(mine, 'notes.txt'), 'keep me\n');
    await expect(reportRunDirs([run.runDir], { outDir: mine })).rejects.toMatchObject({ code: 'CPI_REPORT_FOLDER_NOT_EMPTY' });
    expect(await readdir(mine)).toEqual(['notes.txt']);
  });
});
