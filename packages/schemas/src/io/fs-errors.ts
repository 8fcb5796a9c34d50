// File-system failures a user can fix (a full disk, a read-only mount, a file where a folder belongs) as
// CpiErrors with a code and a hint, so CLIs exit 2 with one line instead of 70 with a stack.
import { CpiError } from '../errors.ts';

const KNOWN: Record<string, { code: `CPI_${string}`; what: string; hint: string }> = {
  ENOSPC: { code: 'CPI_DISK_FULL', what: 'no space left on the device', hint: 'free some space (the run resumes where it stopped), or pass another --out' },
  EDQUOT: { code: 'CPI_DISK_FULL', what: 'the disk quota is exhausted', hint: 'free some space (the run resumes where it stopped), or pass another --out' },
  EROFS: { code: 'CPI_OUT_READ_ONLY', what: 'the file system is read-only', hint: 'pass an --out on a writable file system' },
  EACCES: { code: 'CPI_OUT_NOT_WRITABLE', what: 'permission denied', hint: 'pass an --out you may write to' },
  EPERM: { code: 'CPI_OUT_NOT_WRITABLE', what: 'operation not permitted', hint: 'pass an --out you may write to' },
  EEXIST: { code: 'CPI_OUT_NOT_A_FOLDER', what: 'a file is in the way of a folder', hint: 'pass an --out that is a folder (or does not exist yet)' },
  ENOTDIR: { code: 'CPI_OUT_NOT_A_FOLDER', what: 'a part of the path is a file, not a folder', hint: 'pass an --out that is a folder (or does not exist yet)' },
};

/**
 * The CpiError for a file-system error a user can act on, or `error` itself when it is something else.
 * @example catch (e) { throw asFsCpiError(e, runDir); }
 */
export function asFsCpiError(error: unknown, path: string): unknown {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = errno !== undefined ? KNOWN[errno] : undefined;
  if (!known || error instanceof CpiError) return error;
  const at = (error as NodeJS.ErrnoException).path ?? path;
  return new CpiError(known.code, `cannot write ${at}: ${known.what} (${errno})`, { file: at, hint: known.hint, cause: error });
}
