// The researcher's workflow through the `run` bin: a run as a YAML/JSON file (with a custom Jinja template),
// the resolved run-config.yaml that repeats it, samples.jsonl and prompts.jsonl beside the store, templates,
// compare, and the small things (--help defaults and ids, "not a number").
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeItems, makeSeries, tempDir, writeItems } from './fixtures/checkpoints.ts';
import { readRunSpec } from '../src/io/run-spec.ts';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const CLI_TIMEOUT_MS = 120_000;
const exec = promisify(execFile);
const run = (args: string[], cwd?: string) => exec(process.execPath, [BIN, ...args], { timeout: CLI_TIMEOUT_MS, ...(cwd ? { cwd } : {}) });
const fails = async (args: string[], cwd?: string): Promise<{ code: number; stderr: string }> => {
  const error = (await run(args, cwd).then(() => undefined, (e: unknown) => e)) as { code: number; stderr: string } | undefined;
  if (!error) throw new Error(`expected ${args.join(' ')} to fail`);
  return error;
};
const keys = async (runDir: string): Promise<string[]> =>
  (await readFile(join(runDir, 'predictions.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { key: string }).key).sort();

let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempDir('cpi-workflow-');
  await makeSeries(join(root.dir, 'series'), [0, 5, 10]);
  await writeItems(join(root.dir, 'items.jsonl'), makeItems(9));
});
afterAll(() => root.cleanup());

const RUN_YAML = `# yaml-language-server: $schema=../../packages/schemas/schemas/run-spec.schema.json
checkpoints: series
dataset: items.jsonl
out: runs/custom
label: custom template
device: cpu
maxNewTokens: 3
template:
  id: my-qa
  jinja: "{% if context %}Facts: {{ context }}\\n{% endif %}Q: {{ question }}\\nA:"
report:
  scorer: ordered
  minRise: 0.02
`;

describe('npx run benchmark --config', () => {
  it(
    'runs a YAML run file with a custom Jinja template; its run-config.yaml repeats the run exactly',
    async () => {
      await writeFile(join(root.dir, 'run.yaml'), RUN_YAML);
      const first = JSON.parse((await run(['benchmark', '--config', 'run.yaml', '--json'], root.dir)).stdout) as {
        run: { runDir: string; template: string; label: string; jobs: { computed: number } }; runSpec: string; samples: string;
      };
      expect(first.run.runDir).toBe(join(root.dir, 'runs/custom'));
      expect(first.run.template).toBe('my-qa');
      expect(first.run.label).toBe('custom template');
      expect(first.run.jobs.computed).toBe(9 * 3 * 2);
      // The prompts are the custom template's, stored once and referred to by every record.
      const prompts = (await readFile(join(first.run.runDir, 'prompts.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { promptId: string; text: string });
      expect(prompts.map((p) => p.text)).toContain('Facts: The capital of France is Lyon.\nQ: What is the capital of France?\nA:');
      expect(prompts.map((p) => p.text)).toContain('Q: What is the capital of France?\nA:');
      const report = JSON.parse(await readFile(join(first.run.runDir, 'report/inversion-report.json'), 'utf8')) as { runs: { scorer: string }[]; settings: { minRise: number } };
      expect(report.runs[0]!.scorer).toBe('ordered');
      expect(report.settings.minRise).toBe(0.02);

      // samples.jsonl: one row per item and checkpoint, both modes joined, its prompt in prompts.jsonl.
      const samples = (await readFile(first.samples, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(samples).toHaveLength(9 * 3);
      const row = samples.find((s) => s['split'] === 'conflict')!;
      expect(prompts.map((p) => p.promptId)).toContain(row['promptId']);
      expect(row).toMatchObject({ contextAnswer: 'Lyon', parametricAnswer: 'Paris', contextAliases: ['Lyon City'] });
      expect(typeof row['output']).toBe('string');
      expect(Object.keys(row['labels'] as object).sort()).toEqual(['containment', 'logprob', 'logprob-per-token', 'ordered']);
      expect((row['logprobs'] as unknown[]).length).toBe(3);

      // The resolved spec: every setting, absolute paths, valid against the schema.
      const spec = await readRunSpec(first.runSpec);
      expect(existsSync(spec.$schema!), 'its $schema names the schema file, for editors').toBe(true);
      expect(spec).toMatchObject({ checkpoints: [join(root.dir, 'series')], dataset: join(root.dir, 'items.jsonl'), maxNewTokens: 3, template: { id: 'my-qa' }, report: { scorer: 'ordered', minRise: 0.02 } });

      // Repeat it elsewhere (from another folder): the very same requests.
      const again = JSON.parse((await run(['benchmark', '--config', first.runSpec, '--out', join(root.dir, 'runs/again'), '--json'])).stdout) as { run: { runDir: string } };
      expect(await keys(again.run.runDir)).toEqual(await keys(first.run.runDir));
      // In its own folder: everything is cached.
      const same = JSON.parse((await run(['benchmark', '--config', first.runSpec, '--json'])).stdout) as { run: { jobs: { computed: number; cached: number } } };
      expect(same.run.jobs).toMatchObject({ computed: 0, cached: 9 * 3 * 2 });
    },
    CLI_TIMEOUT_MS * 2,
  );

  it(
    'a JSON run file works too, and flags override it',
    async () => {
      await writeFile(join(root.dir, 'run.json'), JSON.stringify({ checkpoints: 'series', dataset: 'items.jsonl', out: 'runs/json', template: 'short-answer', maxNewTokens: 3, mode: 'generate', device: 'cpu', report: { enabled: false } }));
      const r = JSON.parse((await run(['benchmark', '--config', 'run.json', '--max-new-tokens', '2', '--json'], root.dir)).stdout) as { run: { jobs: { computed: number } }; runSpec: string; report?: unknown };
      expect(r.run.jobs.computed).toBe(9 * 3);
      expect(r.report).toBeUndefined();
      const spec = parse(await readFile(r.runSpec, 'utf8')) as { maxNewTokens: number; template: string; mode: string; report: { enabled: boolean } };
      expect(spec).toMatchObject({ maxNewTokens: 2, template: 'short-answer', mode: 'generate', report: { enabled: false } });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'a bad run file names its line; bad YAML too; exit 2',
    async () => {
      await writeFile(join(root.dir, 'bad.yaml'), 'checkpoints: series\nmode: fast\nbatchSize: 0\n');
      const bad = await fails(['benchmark', '--config', 'bad.yaml'], root.dir);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/CPI_SCHEMA_INVALID/);
      expect(bad.stderr).toContain('bad.yaml:2 /mode');
      expect(bad.stderr).toContain('bad.yaml:3 /batchSize');
      await writeFile(join(root.dir, 'broken.yaml'), 'checkpoints: series\ntemplate: [unclosed\n');
      const broken = await fails(['benchmark', '--config', 'broken.yaml'], root.dir);
      expect(broken.code).toBe(2);
      expect(broken.stderr).toMatch(/CPI_CONFIG_INVALID/);
      await writeFile(join(root.dir, 'taken.yaml'), 'checkpoints: series\ndataset: items.jsonl\ntemplate: { id: plain, jinja: "{{ question }}" }\n');
      expect((await fails(['benchmark', '--config', 'taken.yaml'], root.dir)).stderr).toMatch(/CPI_TEMPLATE_ID_TAKEN/);
    },
    CLI_TIMEOUT_MS,
  );
});

describe('the small things', () => {
  it(
    '--limit abc says "not a number"; --help shows defaults and the valid ids; templates lists the built-ins',
    async () => {
      const limit = await fails(['benchmark', '--checkpoints', join(root.dir, 'series'), '--limit', 'abc']);
      expect(limit.code).toBe(2);
      expect(limit.stderr).toContain('"abc" is not a number');
      expect(limit.stderr).not.toContain('NaN');
      const help = (await run(['benchmark', '--help'])).stdout;
      expect(help).toContain('(default: 8)');
      expect(help).toContain('(default: both)');
      for (const id of ['plain', 'alpaca-context-only', 'short-answer', 'containment', 'logprob-per-token']) expect(help).toContain(id);
      const templates = (await run(['templates'])).stdout;
      expect(templates).toMatch(/^plain +plain +/m);
      expect(templates).toContain('short-answer');
      const json = JSON.parse((await run(['templates', '--json'])).stdout) as { templates: { id: string }[] };
      expect(json.templates.length).toBeGreaterThanOrEqual(9);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'compare A B: per checkpoint the difference in context reliance with a paired test',
    async () => {
      const a = join(root.dir, 'runs/custom');
      const b = join(root.dir, 'runs/again');
      const out = JSON.parse((await run(['compare', a, b, '--json'])).stdout) as { scorer: string; rows: { step: number; difference: number; pValue: number; n: number }[] };
      expect(out.rows.map((r) => r.step)).toEqual([0, 5, 10]);
      // The same requests on the same weights: no difference, p = 1.
      for (const r of out.rows) expect(r).toMatchObject({ difference: 0, pValue: 1, n: 3 });
      const text = (await run(['compare', a, b])).stdout;
      expect(text).toMatch(/step +n +A +B +B - A/);
    },
    CLI_TIMEOUT_MS,
  );
});
