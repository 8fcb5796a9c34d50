// `toylab train` replaces its --out and --eval-out folders, so it refuses a folder that is not a previous
// lab output (as `generate` refuses for its suites): a wrong --out must never wipe someone's files.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainSeries } from '../src/index.ts';

const exec = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/toylab.js', import.meta.url));
const SMOKE = { size: 'tiny', vocabSize: 300, closedBookGate: 0, gateEvery: 3, pretrainMaxSteps: 3, pretrainBatch: 8, steps: 2, batch: 8, checkpointEvery: 2, probeLimit: 5 } as const;
const CLI_TIMEOUT_MS = 60_000;

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'toylab-out-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function folderWithThesis(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'thesis.tex'), 'three years of work');
  return dir;
}

describe('toylab train --out', () => {
  it('refuses a folder that is not a previous lab output, before training, and leaves it as it was', async () => {
    const out = await folderWithThesis('not-a-series');
    const evalOut = join(root, 'eval-1');
    await expect(trainSeries({ ...SMOKE, seed: 1 }, { seriesDir: out, evalDir: evalOut })).rejects.toMatchObject({ code: 'CPI_OUT_DIR_NOT_LAB_OUTPUT', file: out });
    expect(await readdir(out)).toEqual(['thesis.tex']);
    await expect(readdir(evalOut)).rejects.toMatchObject({ code: 'ENOENT' });
    // --eval-out is replaced too: the same rule, with a suite's manifest.json as the mark.
    const evalDir = await folderWithThesis('not-a-suite');
    await expect(trainSeries({ ...SMOKE, seed: 1 }, { seriesDir: join(root, 'series-1'), evalDir })).rejects.toMatchObject({ code: 'CPI_OUT_DIR_NOT_LAB_OUTPUT', file: evalDir });
    expect(await readdir(evalDir)).toEqual(['thesis.tex']);
  });

  it('exits 2 with the coded error from the CLI', async () => {
    const out = await folderWithThesis('cli-not-a-series');
    const failure = await exec(process.execPath, [BIN, 'train', '--out', out, '--eval-out', join(root, 'cli-eval'), '--size', 'tiny', '--steps', '2'], { timeout: CLI_TIMEOUT_MS })
      .then(() => null, (error: { code: number; stderr: string }) => error);
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('CPI_OUT_DIR_NOT_LAB_OUTPUT');
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(join(out, 'thesis.tex'), 'utf8')).toBe('three years of work');
  }, CLI_TIMEOUT_MS);

  it('replaces a previous lab output', async () => {
    const out = join(root, 'previous');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'lab-run.json'), '{}');
    await writeFile(join(out, 'stale.txt'), 'old');
    await trainSeries({ ...SMOKE, seed: 2 }, { seriesDir: out, evalDir: join(root, 'previous-eval') });
    const entries = await readdir(out);
    expect(entries).toContain('series.json');
    expect(entries).not.toContain('stale.txt');
  }, CLI_TIMEOUT_MS);
});
