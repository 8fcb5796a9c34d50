import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HAS_PAPER, PAPER, tempDir } from './helpers.ts';

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

  it.skipIf(!HAS_PAPER)("audit reports the paper's defects; --strict turns them into exit code 1", () => {
    const r = generate('audit', join(PAPER.dir, 'locuslab'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/FIND parametric_in_context: \d+/);
    expect(r.stdout).toContain('cf-capitals <-> cf-world-facts 196');
    expect(r.stdout).toMatch(/FIND multi_answer: 20/);
    expect(generate('audit', '--strict', join(PAPER.dir, 'locuslab', 'country_capitals_only.json')).code).toBe(1);
  });
});
