// Writes that never leave a half-written file behind: write a temporary sibling, flush it, rename it over
// the target. A crash leaves either the old file or the new one.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Atomically replaces `path` with `data` (creating parent folders). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeFileAtomicWith(path, (handle) => handle.writeFile(data));
}

/**
 * Atomically replaces `path` with what `write` writes to the open temporary file, for contents produced in
 * pieces (a big file written batch by batch without holding it whole). Creates parent folders.
 */
export async function writeFileAtomicWith(path: string, write: (handle: FileHandle) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  // The temporary file goes on every failure path (a full disk fails the write, not only the rename).
  try {
    const handle = await open(tmp, 'w');
    try {
      await write(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Atomically writes `value` as pretty JSON with a trailing newline. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Builds a whole folder atomically: `build` fills a temporary sibling folder, which then replaces `dir`.
 * If `build` throws, the temporary folder is removed and `dir` is left as it was.
 */
export async function writeDirAtomic(dir: string, build: (tmpDir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  const tmp = tempSibling(dir);
  await mkdir(tmp, { recursive: true });
  try {
    await build(tmp);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  const old = await stat(dir).then(() => tempSibling(dir) + '.old', () => undefined);
  try {
    if (old) await rename(dir, old);
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    if (old) await rename(old, dir).catch(() => undefined); // put the previous folder back
    throw error;
  }
  if (old) await rm(old, { recursive: true, force: true });
}

/** Whether anything (file or folder) exists at `path`; false when it cannot be reached. */
export async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
