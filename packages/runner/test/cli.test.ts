// The `run` bin as a user types it: a JSON summary for scripts, and a SIGKILL halfway through a run
// followed by the same command again, which must end with exactly one record per item, checkpoint and mode.
import { execFile, spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl } from '@cpi-bench/schemas';
import { makeItems, makeSeries, tempDir, writeItems } from './fixtures/checkpoints.ts';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const CLI_TIMEOUT_MS = 90_000;
const exec = promisify(execFile);

let root: { dir: string; cleanup: () => Promise<void> };
let series: string;
beforeAll(async () => {
  root = await tempDir();
  series = join(root.dir, 'series');
  await makeSeries(series, [0, 5, 10]);
});
afterAll(() => root.cleanup());

describe('npx run benchmark', () => {
  it(
    '--json prints one JSON summary with the run and the report files',
    async () => {
      const dataset = await writeItems(join(root.dir, 'small.jsonl'), makeItems(9));
      const out = join(root.dir, 'json-run');
      const { stdout } = await exec(
        process.execPath,
        [BIN, 'benchmark', '--checkpoints', series, '--dataset', dataset, '--out', out, '--device', 'cpu', '--max-new-tokens', '4', '--json'],
        {
          timeout: CLI_TIMEOUT_MS,
        },
      );
      const summary = JSON.parse(stdout) as { run: { jobs: { computed: number }; runDir: string }; report: { files: string[] } };
      expect(summary.run.jobs.computed).toBe(9 * 3 * 2);
      expect(summary.report.files.map((f) => f.slice(out.length + 1))).toContain('report/inversion-report.json');
      for (const f of summary.report.files) await expect(stat(f)).resolves.toBeTruthy();
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'a bad option is a one-line CpiError and exit code 2',
    async () => {
      const error = await exec(
        process.execPath,
        [BIN, 'benchmark', '--checkpoints', series, '--dataset', join(root.dir, 'nope.jsonl'), '--out', join(root.dir, 'x')],
        { timeout: CLI_TIMEOUT_MS },
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 2, stderr: expect.stringContaining('error CPI_DATASET_NOT_FOUND') });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    '--out at a file is a one-line CpiError and exit code 2, not 70 with a stack',
    async () => {
      const dataset = await writeItems(join(root.dir, 'tiny.jsonl'), makeItems(3));
      const file = join(root.dir, 'out-is-a-file');
      await writeFile(file, 'x\n');
      const error = await exec(process.execPath, [BIN, 'benchmark', '--checkpoints', series, '--dataset', dataset, '--out', file, '--device', 'cpu'], {
        timeout: CLI_TIMEOUT_MS,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 2, stderr: expect.stringContaining('error CPI_OUT_NOT_A_FOLDER') });
      expect((error as { stderr: string }).stderr).not.toContain('    at ');
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'killed halfway (SIGKILL) and run again: exactly one record per item, checkpoint and mode',
    async () => {
      const items = 150;
      const dataset = await writeItems(join(root.dir, 'kill.jsonl'), makeItems(items));
      const out = join(root.dir, 'kill-run');
      const args = [BIN, 'benchmark', '--checkpoints', series, '--dataset', dataset, '--out', out, '--device', 'cpu', '--batch-size', '4', '--no-report'];
      const child = spawn(process.execPath, args, { stdio: 'ignore' });
      const predictions = join(out, 'predictions.jsonl');
      let lines = 0;
      for (let i = 0; i < 600 && child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 25));
        lines = (await readFile(predictions, 'utf8').catch(() => '')).split('\n').length - 1;
        if (lines >= 40) break;
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      expect(lines).toBeGreaterThanOrEqual(40);
      expect(lines).toBeLessThan(items * 3 * 2); // it really was stopped halfway
      await exec(process.execPath, args, { timeout: CLI_TIMEOUT_MS });
      const rs = (await readJsonl(predictions, { schema: 'predictionRecord' })).records.map((r) => r.value);
      expect(rs).toHaveLength(items * 3 * 2);
      expect(new Set(rs.map((r) => `${r.itemId}|${r.step}|${r.mode}`)).size).toBe(items * 3 * 2);
    },
    CLI_TIMEOUT_MS,
  );
});

describe('npx run report', () => {
  it(
    'renders stored predictions again, and overlays two runs in one report',
    async () => {
      const dataset = await writeItems(join(root.dir, 'overlay.jsonl'), makeItems(6));
      const runs = ['run-a', 'run-b'].map((name) => join(root.dir, name));
      for (const out of runs) {
        const args = [BIN, 'benchmark', '--checkpoints', series, '--dataset', dataset, '--out', out, '--device', 'cpu', '--mode', 'score', '--no-report'];
        await exec(process.execPath, args, { timeout: CLI_TIMEOUT_MS });
      }
      const out = join(root.dir, 'overlay-report');
      const { stdout } = await exec(process.execPath, [BIN, 'report', ...runs, '--out', out, '--json'], { timeout: CLI_TIMEOUT_MS });
      const summary = JSON.parse(stdout) as { files: string[]; verdicts: { label: string }[] };
      expect(summary.verdicts).toHaveLength(2);
      const report = JSON.parse(await readFile(join(out, 'inversion-report.json'), 'utf8')) as { runs: { runDir?: string; points: { step: number }[] }[] };
      expect(report.runs.map((r) => r.points.map((p) => p.step))).toEqual([[0, 5, 10], [0, 5, 10]]);
      expect(summary.files).toContain(join(out, 'report.html'));
      const html = await readFile(join(out, 'report.html'), 'utf8');
      expect(html).toContain('<svg');
      expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']https?:/);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'a folder without predictions is a CpiError, exit code 2',
    async () => {
      const error = await exec(process.execPath, [BIN, 'report', join(root.dir, 'no-such-run')], { timeout: CLI_TIMEOUT_MS }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 2, stderr: expect.stringMatching(/error CPI_/) });
    },
    CLI_TIMEOUT_MS,
  );
});
