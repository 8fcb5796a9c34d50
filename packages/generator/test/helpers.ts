import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePaperDir } from '../src/index.ts';

/** The paper's raw files: committed in datasets/paper, so every test that needs them runs on a fresh clone. */
export const PAPER = resolvePaperDir();
/** The committed default suite (`generate datasets` writes under the current directory, so tests name it). */
export const COMMITTED_SUITE_DIR = fileURLToPath(new URL('../../../datasets/default', import.meta.url));

export function tempDir(prefix = 'cpi-gen-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
