// The packages as a user gets them. Every package under packages/ is packed (`npm pack`, which builds dist/ and
// copies the generator's data), the tarballs are installed into a fresh project outside the repository with the
// npm registry (through the npm cache) as the only other source, and that project then (a) imports each package
// from plain Node ESM, (b) type-checks a strict TypeScript consumer and the README examples, and (c) runs the
// `generate` and `run` bins.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const PACKAGES = ['schemas', 'generator', 'metrics', 'mitigations', 'runner'];
const INSTALL_TIMEOUT_MS = 300_000;
const STEP_TIMEOUT_MS = 120_000;
const exec = promisify(execFile);

/** The environment of a user's shell: none of the npm_* variables that `npm test` sets for its own project. */
const userEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || /^npm_config_cache$/i.test(k)));
const run = (cmd: string, args: string[], cwd: string) => exec(cmd, args, { cwd, env: userEnv, timeout: STEP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
const versionIn = (pkg: string): string => (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

let project = '';

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'cpi-consumer-'));
  const tarballs = join(project, 'tarballs');
  mkdirSync(tarballs);
  for (const name of PACKAGES) await run('npm', ['pack', '--silent', '--pack-destination', tarballs], join(root, 'packages', name));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'cpi-bench-consumer',
      private: true,
      type: 'module',
      // What the packages' READMEs tell a user to add: onnxruntime-node's install script would download CUDA.
      allowScripts: { 'onnxruntime-node': false, protobufjs: false, 'msgpackr-extract': false },
    }),
  );
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  expect(files).toHaveLength(PACKAGES.length);
  await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...files, `typescript@${versionIn('typescript')}`, `@types/node@${versionIn('@types/node')}`], {
    cwd: project,
    env: userEnv,
    timeout: INSTALL_TIMEOUT_MS,
  });
}, INSTALL_TIMEOUT_MS);

// The project is about 500 MB (onnxruntime-node alone is 288 MB); CPI_KEEP_CONSUMER=1 keeps it to look at.
afterAll(() => {
  if (project && !process.env['CPI_KEEP_CONSUMER']) rmSync(project, { recursive: true, force: true });
});

describe('the packed packages, installed outside the repository', () => {
  it('import from plain Node ESM and answer a call into each public API', async () => {
    copyFileSync(join(fixtures, 'use-every-package.mjs'), join(project, 'use-every-package.mjs'));
    const { stdout } = await run(process.execPath, ['use-every-package.mjs'], project);
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      schemas: false,
      generator: { relation: 'country_capital', template: 'plain', paper: { exists: true } },
      metrics: { answer: 'eiffel tower' },
      mitigations: 'counterfactual_augment',
      runner: 'both',
    });
    expect((out['metrics'] as { p: number }).p).toBeCloseTo(2 / 1024, 10);
    // The generator reads the paper's data from inside its own package, never from a repository.
    expect((out['generator'] as { paper: { dir: string } }).paper.dir).toBe(join(project, 'node_modules/@cpi-bench/generator/data/paper'));
  }, STEP_TIMEOUT_MS);

  it("type-check strictly from a TypeScript consumer, README examples included", async () => {
    const checked = join(project, 'typed');
    mkdirSync(checked);
    copyFileSync(join(fixtures, 'tsconfig.json'), join(checked, 'tsconfig.json'));
    copyFileSync(join(fixtures, 'strict-consumer.ts'), join(checked, 'strict-consumer.ts'));
    let examples = 0;
    for (const name of PACKAGES) {
      // The README as installed: its "Install and use on its own" section's TypeScript blocks.
      const readme = readFileSync(join(project, 'node_modules/@cpi-bench', name, 'README.md'), 'utf8');
      const section = readme.split(/^## /m).find((s) => s.startsWith('Install and use on its own')) ?? '';
      for (const [i, block] of [...section.matchAll(/```ts\n([\s\S]*?)```/g)].entries()) {
        writeFileSync(join(checked, `readme-${name}-${i}.ts`), `${block[1]}\nexport {};\n`);
        examples++;
      }
    }
    expect(examples).toBeGreaterThanOrEqual(PACKAGES.length);
    const tsc = join(project, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', checked], project).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? String(e) }));
    // Library checking stays on, so our own declarations are checked too; vega's (pulled in by the metrics'
    // plot types) need the DOM lib and fail under exactOptionalPropertyTypes, which is theirs to fix.
    const errors = result.stdout.split('\n').filter((l) => /error TS\d+/.test(l) && !/^node_modules\/vega-(typings|lite)\//.test(l));
    expect(errors).toEqual([]);
  }, STEP_TIMEOUT_MS);

  it('`npx generate datasets --out` rebuilds the committed default suite byte for byte', async () => {
    await run('npx', ['--no-install', 'generate', 'datasets', '--out', 'suite', '--json'], project);
    const committed = join(root, 'datasets/default');
    const names = readdirSync(committed).sort();
    expect(readdirSync(join(project, 'suite')).sort()).toEqual(names);
    for (const name of names) expect(readFileSync(join(project, 'suite', name)).equals(readFileSync(join(committed, name))), name).toBe(true);
  }, STEP_TIMEOUT_MS);

  it('`npx run benchmark` runs three committed checkpoints and writes its report in the project', async () => {
    const checkpoints = ['checkpoint-0', 'checkpoint-1200', 'checkpoint-2400'].map((c) => join(root, 'datasets/toy-series', c)).join(',');
    const { stdout } = await run(
      'npx',
      ['--no-install', 'run', 'benchmark', '--checkpoints', checkpoints, '--dataset', join(root, 'datasets/toy-eval'), '--limit', '12', '--json'],
      project,
    );
    const { run: summary, report } = JSON.parse(stdout) as { run: { runDir: string; jobs: { computed: number; failed: number } }; report: { files: string[] } };
    // The default run folder is runs/<first checkpoint's name>-<hash of the series path> under the current
    // folder, never inside node_modules.
    expect(summary.runDir.startsWith(join(project, 'runs') + '/')).toBe(true);
    expect(summary.runDir.slice(join(project, 'runs').length + 1)).toMatch(/^checkpoint-0-[0-9a-f]{12}$/);
    expect(summary.jobs.failed).toBe(0);
    expect(summary.jobs.computed).toBeGreaterThan(0);
    expect(report.files).toContain(join(summary.runDir, 'report/inversion-report.json'));
  }, STEP_TIMEOUT_MS);

  it('`npx run benchmark` with no arguments outside a checkout asks for a series (exit 2), not for a repository', async () => {
    const failure = await run('npx', ['--no-install', 'run', 'benchmark'], project).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code, stderr: e.stderr ?? '' }),
    );
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('CPI_DEFAULT_SERIES_MISSING');
    expect(failure.stderr).toContain(join(project, 'datasets/toy-series'));
  }, STEP_TIMEOUT_MS);
});
