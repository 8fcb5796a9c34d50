// Where things are on disk: the repository root (found from this package's location, never the cwd),
// the default suite, the seeds and the paper's files. Environment variables are read here only.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/generator/src/io -> the repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const DEFAULT_SUITE_DIR = join(REPO_ROOT, 'datasets', 'default');
export const SEEDS_DIR = join(REPO_ROOT, 'datasets', 'seeds');

/**
 * The paper's data folder: `paperDir` if given, else $CPI_PAPER_DATASETS, else `<repo>/../shared/paper-datasets`.
 * Returns undefined when the folder does not exist.
 */
export function resolvePaperDir(paperDir?: string): { dir: string; exists: boolean } {
  const dir = paperDir ?? process.env['CPI_PAPER_DATASETS'] ?? join(REPO_ROOT, '..', 'shared', 'paper-datasets');
  return { dir: resolve(dir), exists: existsSync(dir) };
}
