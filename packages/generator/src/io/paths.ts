// Where things are on disk. The generator's own data (the seed facts and the paper's raw files) is read from
// the repository's datasets/ when the package runs from a source checkout (packages/generator), and from the
// copy inside the package (data/seeds, data/paper, made when it is packed: scripts/copy-data.mjs) when it is
// installed. Nothing is ever looked up above an installed package. Environment variables are read here only.
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's folder: src/io (from source) and dist/io (built) are both two levels below it. */
const PACKAGE_DIR = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/**
 * `<repo>/datasets/<name>` in a source checkout, else `data/<name>` inside the installed package. The checkout
 * wins even while `npm pack` has a transient data/ copy, so tests never read a folder being removed.
 */
function packageData(name: 'seeds' | 'paper'): string {
  const checkout = join(dirname(dirname(PACKAGE_DIR)), 'datasets', name);
  if (basename(dirname(PACKAGE_DIR)) === 'packages' && existsSync(checkout)) return checkout;
  return join(PACKAGE_DIR, 'data', name);
}

/** Where `generate datasets` writes by default: datasets/default under the current directory. */
export const DEFAULT_SUITE_DIR = join('datasets', 'default');
/** The curated seed facts (people, books, sayings). */
export const SEEDS_DIR = packageData('seeds');
/** The paper's raw files (locuslab/ and memotrap/), unmodified. */
export const PAPER_DIR = packageData('paper');

/**
 * The paper's data folder: `paperDir` if given, else $CPI_PAPER_DATASETS, else the copy that ships with the
 * package (datasets/paper in this repository). `exists` says whether the folder is there.
 */
export function resolvePaperDir(paperDir?: string): { dir: string; exists: boolean } {
  const dir = resolve(paperDir ?? process.env['CPI_PAPER_DATASETS'] ?? PAPER_DIR);
  return { dir, exists: existsSync(dir) };
}
