// One run per output folder: run.lock holds the owner's pid. A live owner refuses a second run; a lock
// whose process is gone (a killed run) is taken over, and the caller is told.
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CpiError } from '@cpi-bench/schemas';

export interface RunLock {
  file: string;
  /** The pid of a dead owner whose lock was taken over, if any. */
  tookOverFrom?: number;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryCreate(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'wx');
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Takes `RUN_DIR/run.lock`, or throws CPI_RUN_LOCKED when a live process holds it. */
export async function acquireRunLock(runDir: string): Promise<RunLock> {
  const file = join(runDir, 'run.lock');
  let tookOverFrom: number | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(file)) {
      return {
        file,
        ...(tookOverFrom !== undefined ? { tookOverFrom } : {}),
        release: () => rm(file, { force: true }),
      };
    }
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && (owner === process.pid || alive(owner))) {
      throw new CpiError('CPI_RUN_LOCKED', `another run (pid ${owner}) is writing to ${runDir}`, {
        file,
        hint: `wait for it to finish, or pass another --out; delete ${file} only if pid ${owner} is not a cpi-bench run`,
      });
    }
    tookOverFrom = Number.isInteger(owner) ? owner : -1;
    await rm(file, { force: true });
  }
  throw new CpiError('CPI_RUN_LOCKED', `cannot take ${file}: another process keeps creating it`, { file });
}
