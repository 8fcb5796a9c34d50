import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaperDir } from '../src/index.ts';

export const PAPER = resolvePaperDir();
/** The paper's files are outside the repository; tests that need them skip, saying so, when absent. */
export const HAS_PAPER = PAPER.exists && existsSync(join(PAPER.dir, 'locuslab', 'world_facts.json'));

export function tempDir(prefix = 'cpi-gen-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
