// Option-parser errors of `npx toylab` exit 2 with CPI_USAGE, like every other bad input.
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/toylab.js', import.meta.url));
const CLI_TIMEOUT_MS = 60_000;

describe('npx toylab, bad options', () => {
  it('exit 2 with CPI_USAGE, not 1', () => {
    for (const args of [['train', '--size', 'huge'], ['train', '--bogus'], ['sweep-merge'], ['theory', '--out'], ['nonsense']]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('toylab: error CPI_USAGE: ');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('npx toylab, numbers and --json', () => {
  it('a number option given text says "not a number", naming the option', () => {
    const r = spawnSync(process.execPath, [BIN, 'train', '--steps', 'abc'], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("'--steps <n>'");
    expect(r.stderr).toContain('not a number');
    expect(r.stderr).not.toContain('NaN');
  });

  it('theory --json prints one JSON summary', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const dir = await mkdtemp(join(tmpdir(), 'toylab-json-'));
    try {
      const r = spawnSync(process.execPath, [BIN, 'theory', '--json', '--steps', '50', '--out', dir], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { files: string[]; theory: { scenarios: { id: string }[] } };
      expect(out.files).toContain(join(dir, 'theory.json'));
      expect(out.theory.scenarios.map((s) => s.id)).toContain('c-only');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, CLI_TIMEOUT_MS);

  it('mitigations: an unknown arm is a coded error before any training; a report of no runs is refused', () => {
    const bad = spawnSync(process.execPath, [BIN, 'mitigations', '--arms', 'nope', '--seeds', '0'], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('CPI_TOYLAB_BAD_OPTION');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    for (const seeds of ['', '0,,1', '1.5', 'x']) {
      const r = spawnSync(process.execPath, [BIN, 'mitigations', '--seeds', seeds], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
      expect(r.status, `--seeds "${seeds}"`).toBe(2);
      expect(r.stderr).toContain('CPI_TOYLAB_BAD_OPTION');
    }
    const empty = spawnSync(process.execPath, [BIN, 'mitigations', '--report-only', '--json', '--out', join(tmpdir(), 'toylab-no-such-report')], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain('CPI_TOYLAB_NO_RUNS');
  }, CLI_TIMEOUT_MS);
});
