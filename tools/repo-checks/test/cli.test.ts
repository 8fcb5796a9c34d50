// The bins a user types after `npm install`: `npx generate` and `npx run` must answer --help.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const exec = promisify(execFile);
const CLI_TIMEOUT_MS = 60_000;

describe('bins', () => {
  it.each([
    ['generate', ['datasets', 'audit']],
    ['run', ['benchmark', 'report']],
  ])('npx %s --help lists its commands', async (bin, commands) => {
    const { stdout } = await exec('npx', ['--no-install', bin, '--help'], { cwd: root, timeout: CLI_TIMEOUT_MS });
    for (const c of commands) expect(stdout).toContain(c);
  }, CLI_TIMEOUT_MS);
});
