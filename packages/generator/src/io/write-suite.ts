// Writes a suite folder all at once: everything goes into a temporary sibling that replaces the folder only
// when complete, so a failure leaves the old suite (or nothing) rather than half a suite.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CpiError, writeDirAtomic } from '@cpi-bench/schemas';
import type { Suite } from '../core/suite.ts';

/** Writes `suite` into `outDir` (replacing a previous suite there) and returns the paths written. */
export async function writeSuite(outDir: string, suite: Suite): Promise<string[]> {
  const existing = await readdir(outDir).catch(() => [] as string[]);
  // Replacing the folder is only safe when it is a suite (or empty): never wipe an unrelated folder.
  if (existing.length > 0 && !existing.includes('manifest.json')) {
    throw new CpiError('CPI_OUT_DIR_NOT_SUITE', `${outDir} is not empty and holds no manifest.json; refusing to replace it`, {
      file: outDir,
      hint: 'choose an empty or new folder for --out',
    });
  }
  await writeDirAtomic(outDir, async (tmp) => {
    for (const file of suite.files) await writeFile(join(tmp, file.path), file.bytes);
    await writeFile(join(tmp, 'manifest.json'), JSON.stringify(suite.manifest, null, 2) + '\n');
  });
  return [...suite.files.map((f) => join(outDir, f.path)), join(outDir, 'manifest.json')];
}
