import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toJsonl } from '@cpi-bench/schemas';
import { WORLD_FACTS, json } from './fixtures/paper-like.ts';
import { PAPER, tempDir } from './helpers.ts';

const BIN = fileURLToPath(new URL('../bin/generate.js', import.meta.url));
const CLI_TIMEOUT_MS = 60_000;

function generate(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS, cwd: tempDir() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npx generate', () => {
  it('datasets --json prints a machine-readable summary and plain progress lines off a terminal', () => {
    const out = join(tempDir(), 'suite');
    const r = generate('datasets', '--out', out, '--relations', 'country_capital', '--per-relation', '4', '--no-paper', '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { outDir: string; counts: { total: number }; paper: { included: boolean } };
    expect(summary).toMatchObject({ outDir: out, counts: { total: 16 }, paper: { included: false } });
    const plain = generate('datasets', '--out', out, '--relations', 'country_capital', '--per-relation', '4', '--no-paper');
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('generate: writing 16 items');
    expect(plain.stdout).toContain('wrote 16 items');
  });

  it('names the valid ids for an unknown relation or strategy, with exit code 2', () => {
    const r = generate('datasets', '--out', join(tempDir(), 'x'), '--relations', 'river_length');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CPI_UNKNOWN_RELATION');
    expect(r.stderr).toContain('country_capital');
    const s = generate('datasets', '--out', join(tempDir(), 'x'), '--strategies', 'antonym');
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('same-type-swap');
  });

  it("audit reports the paper's defects; --strict turns them into exit code 1", () => {
    const r = generate('audit', join(PAPER.dir, 'locuslab'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/FIND parametric_in_context: \d+/);
    expect(r.stdout).toContain('cf-capitals <-> cf-world-facts 196');
    expect(r.stdout).toMatch(/FIND multi_answer: 20/);
    expect(generate('audit', '--strict', join(PAPER.dir, 'locuslab', 'country_capitals_only.json')).code).toBe(1);
  });

  it('option-parser errors exit 2 with CPI_USAGE and one line, not 1', () => {
    for (const args of [['audit', '--bogus', 'x.jsonl'], ['datasets', '--seed'], ['audit'], ['nonsense'], []]) {
      const r = generate(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('generate: error CPI_USAGE: ');
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(generate('audit', '--bogus').stderr).toContain("unknown option '--bogus'");
    expect(generate('--help').code).toBe(0);
  });

  it('datasets --help shows the defaults and lists the valid relation and strategy ids', () => {
    const help = generate('datasets', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('(default: 1)');
    expect(help.stdout).toContain('(default: 60)');
    for (const id of ['country_capital', 'quote_author', 'same-type-swap', 'numeric-perturbation']) expect(help.stdout).toContain(id);
  });

  it('audit recognises a renamed paper file, and refuses a file without valid items naming its lines', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'my-facts.json'), '\ufeff' + json(WORLD_FACTS));
    const renamed = generate('audit', '--json', join(dir, 'my-facts.json'));
    expect(renamed.code).toBe(0);
    expect(JSON.parse(renamed.stdout)).toMatchObject({ items: 2, byDataset: { 'cf-world-facts': 2 } });
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, toJsonl([{ id: 'x' }]));
    const r = generate('audit', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`generate: error CPI_AUDIT_NO_ITEMS: ${bad}: holds no valid items; bad lines: ${bad}:1`);
    expect(r.stdout).not.toContain('clean');
  });
});
