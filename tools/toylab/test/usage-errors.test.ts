// Option-parser errors of `npx toylab` exit 2 with CPI_USAGE, like every other bad input.
import { spawnSync } from 'node:child_process';
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
