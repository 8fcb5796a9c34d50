// The `mitigate` bin as a user types it: --list, recipes, a JSON report, and exit code 2 with one coded line
// (never a stack trace) for bad input or options.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALPACA, tempDir, writeJsonl } from './helpers.ts';

const BIN = fileURLToPath(new URL('../bin/mitigate.js', import.meta.url));
const CLI_TIMEOUT_MS = 60_000;
const exec = promisify(execFile);
const mitigate = (...args: string[]) => exec(process.execPath, [BIN, ...args], { timeout: CLI_TIMEOUT_MS });

let root: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => (root = await tempDir()));
afterAll(() => root.cleanup());

describe('npx mitigate', () => {
  it('--list shows every transform with its options and defaults', async () => {
    const { stdout } = await mitigate('--list');
    for (const name of ['context-only', 'fact-overlap', 'context-critical', 'counterfactual']) expect(stdout).toContain(name);
    expect(stdout).toContain('--drop SHARE: share of the context-bearing examples to drop (default: 0.25)');
    expect(stdout).toContain('(default: datasets/default)');
  }, CLI_TIMEOUT_MS);

  it.each([
    ['llama', ['q_proj', 'k_proj'], false],
    ['mistral', ['q_proj', 'k_proj'], false],
    ['qwen2', ['q_proj', 'k_proj'], false],
    ['gpt_neox', ['query_key_value'], true],
    ['gpt2', ['c_attn'], true],
  ] as const)('recipe qk-only --arch %s prints a PEFT LoRA config on its query/key projections', async (arch, modules, fused) => {
    const { stdout, stderr } = await mitigate('recipe', 'qk-only', '--arch', arch);
    expect(JSON.parse(stdout)).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', target_modules: modules, fan_in_fan_out: arch === 'gpt2' });
    expect(stderr.includes('value projection')).toBe(fused);
  }, CLI_TIMEOUT_MS);

  it('--json prints the report; --dry-run writes no data, and a report only where --report names it', async () => {
    const input = join(root.dir, 'in.jsonl');
    await writeJsonl(input, ALPACA);
    const out = join(root.dir, 'out.jsonl');
    const { stdout } = await mitigate('context-only', '--in', input, '--out', out, '--json', '--dry-run');
    expect(JSON.parse(stdout)).toMatchObject({ transform: 'context_only_filter', format: 'alpaca', dryRun: true, input: { count: 5 }, output: { count: 3 }, provenance: { tool: '@cpi-bench/mitigations', packageVersions: { compromise: '14.20.0' } } });
    await expect(readFile(out)).rejects.toThrow();
    await expect(readFile(`${out}.report.json`)).rejects.toThrow();
    const named = join(root.dir, 'dry-report.json');
    await mitigate('context-only', '--in', input, '--out', out, '--dry-run', '--report', named);
    expect(JSON.parse(await readFile(named, 'utf8'))).toMatchObject({ dryRun: true, output: { count: 3 } });
    await expect(readFile(out)).rejects.toThrow();
  }, CLI_TIMEOUT_MS);

  it.each([
    ['an unknown transform', ['nope'], 'CPI_UNKNOWN_MITIGATION'],
    ['an unknown architecture', ['recipe', 'qk-only', '--arch', 'bert'], 'CPI_MITIGATION_UNKNOWN_ARCH'],
    ['a bad example', ['context-only', '--out', 'x.jsonl', '--in', 'BAD'], 'CPI_SCHEMA_INVALID'],
    ['a missing input file', ['context-only', '--out', 'x.jsonl', '--in', 'MISSING'], 'CPI_FILE_UNREADABLE'],
    ['an out-of-range share', ['context-critical', '--drop', '1.5', '--losses', 'x', '--out', 'x.jsonl', '--in', 'GOOD'], 'CPI_'],
  ])('%s exits 2 with one coded line', async (_what, args, code) => {
    const bad = join(root.dir, 'bad.jsonl');
    await writeFile(bad, '{"instruction": "x", "output": "y"}\n{"instruction": "x", "output": 1}\n');
    const good = join(root.dir, 'good.jsonl');
    await writeJsonl(good, ALPACA);
    const argv = [...args].map((a) => (a === 'BAD' ? bad : a === 'GOOD' ? good : a === 'MISSING' ? join(root.dir, 'missing.json') : a === 'x.jsonl' ? join(root.dir, 'x.jsonl') : a));
    const error = await mitigate(...argv).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(error?.code).toBe(2);
    expect(error?.stderr).toMatch(new RegExp(`^mitigate: error ${code}`));
    expect(error?.stderr).not.toMatch(/\n\s+at /);
  }, CLI_TIMEOUT_MS);
});
