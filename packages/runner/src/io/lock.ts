// One run per output folder: run.lock holds the owner's pid and a random token. A live owner refuses a
// second run; a lock whose process is gone (a killed run) is taken over, and the caller is told.
//
// Hand-written rather than proper-lockfile: that library judges a lock stale by its mtime (the owner must
// keep touching it), so a run stalled on one long batch, or a suspended laptop, loses its lock to a second
// run. Here a lock is stale only when its pid is dead. Two rules make it race-free:
// - the content exists before the lock does: it is written to a private temp file, which is then hard-linked
//   to run.lock (link fails if run.lock exists), so nobody ever reads an empty or half-written lock;
// - a stale lock is removed only under run.lock.break (taken the same way) after checking that run.lock
//   still holds the dead owner's content, and release() removes run.lock only while it holds our token.
import { randomBytes } from 'node:crypto';
import { link, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asFsCpiError, CpiError } from '@cpi-bench/schemas';

export interface RunLock {
  file: string;
  /** The pid of a dead owner whose lock was taken over, if any (-1 when the lock named no pid). */
  tookOverFrom?: number;
  release(): Promise<void>;
}

/** A breaker holds run.lock.break for a few milliseconds; one older than this was left by a killed breaker. */
const LOCK_FILE = 'run.lock';
const BREAK_STALE_MS = 5_000;
const ATTEMPTS = 200;
const RETRY_MS = 10;

/** Whether process `pid` is running (on this machine). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `file` with `content` in one visible step; false when it already exists. */
async function createWithContent(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, content, { flag: 'wx' });
    await link(tmp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(tmp, { force: true });
  }
}

const readOrUndefined = (file: string): Promise<string | undefined> => readFile(file, 'utf8').catch(() => undefined);

function pidOf(content: string): number | undefined {
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The pid written in `runDir`'s run lock; undefined when there is no lock or it names none. */
export async function lockOwner(runDir: string): Promise<number | undefined> {
  return pidOf((await readOrUndefined(join(runDir, LOCK_FILE))) ?? '');
}

/** Removes the stale lock whose content was `seen`, unless someone else is breaking it or it changed. */
async function breakStale(file: string, seen: string, mine: string): Promise<void> {
  const breaker = `${file}.break`;
  if (!(await createWithContent(breaker, mine))) {
    // Another process is breaking the lock; if it was killed while doing so, its marker is old.
    const s = await stat(breaker).catch(() => undefined);
    const owner = pidOf((await readOrUndefined(breaker)) ?? '');
    if (s && Date.now() - s.mtimeMs > BREAK_STALE_MS && (owner === undefined || !processAlive(owner))) await rm(breaker, { force: true });
    return;
  }
  try {
    if ((await readOrUndefined(file)) === seen) await rm(file, { force: true });
  } finally {
    await rm(breaker, { force: true });
  }
}

/** Takes `RUN_DIR/run.lock`, or throws CPI_RUN_LOCKED when a live process holds it. */
export async function acquireRunLock(runDir: string): Promise<RunLock> {
  const file = join(runDir, LOCK_FILE);
  const mine = `${process.pid}\n${randomBytes(8).toString('hex')}\n`;
  let tookOverFrom: number | undefined;
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await createWithContent(file, mine)) {
        return {
          file,
          ...(tookOverFrom !== undefined ? { tookOverFrom } : {}),
          // Only our own lock: after a takeover by mistake (a pid reused), the other run's lock stays.
          release: async () => {
            if ((await readOrUndefined(file)) === mine) await rm(file, { force: true });
          },
        };
      }
      const seen = await readOrUndefined(file);
      if (seen === undefined) continue; // released in between: try again
      const owner = pidOf(seen);
      if (owner !== undefined && (owner === process.pid || processAlive(owner))) {
        throw new CpiError('CPI_RUN_LOCKED', `another run (pid ${owner}) is writing to ${runDir}`, {
          file,
          hint: `wait for it to finish, or pass another --out; delete ${file} only if pid ${owner} is not a cpi-bench run`,
        });
      }
      await breakStale(file, seen, mine);
      tookOverFrom = owner ?? -1;
      await new Promise((done) => setTimeout(done, Math.random() * RETRY_MS));
    }
  } catch (error) {
    throw asFsCpiError(error, file);
  }
  throw new CpiError('CPI_RUN_LOCKED', `cannot take ${file}: other processes keep taking it`, { file, hint: 'wait for the other runs to finish, or pass another --out' });
}
