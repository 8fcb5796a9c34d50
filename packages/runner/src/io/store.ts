// The append-only prediction store of a run: RUN_DIR/predictions.jsonl. Records are appended as whole
// lines; on start the stored records are read back (a torn last line is ignored) so nothing that succeeded
// is recomputed. A failure is never cached: it is tried again on resume, up to MAX_ATTEMPTS times.
import { open as openFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { appendJsonl, asFsCpiError, readJsonl, toJsonl, writeFileAtomic, type PredictionRecord, pathExists } from '@cpi-bench/schemas';

/** Attempts at a failing key before it is reported as a persistent failure and no longer retried. */
export const MAX_ATTEMPTS = 3;

/** A key that failed MAX_ATTEMPTS times. */
export interface PersistentFailure {
  itemId: string;
  step: number;
  mode: 'score' | 'generate';
  attempts: number;
  error: { code: string; message: string };
}

export interface PredictionStore {
  file: string;
  /** A successful prediction is stored under this key. */
  has(key: string): boolean;
  /** Failed attempts stored under this key (0 when it has none, or succeeded). */
  failedAttempts(key: string): number;
  /** Keys that failed MAX_ATTEMPTS times, with their last error. */
  persistentFailures(): PersistentFailure[];
  /** Keys with a record (successful or failed). */
  readonly size: number;
  append(records: readonly PredictionRecord[]): Promise<void>;
  /** Rewrites the file with one record per key when this run replaced any (retries, --no-resume). */
  close(): Promise<void>;
}

export interface OpenStoreResult {
  store: PredictionStore;
  /** Keys read back from an earlier run. */
  resumed: number;
  /** Lines dropped: unparseable, invalid, torn, replaced by a later record of the same key, or superseded. */
  dropped: number;
}

/** Per key: 0 for a success, n > 0 for n failed attempts. */
type KeyState = number;

/** Whether `file` (which must exist) is empty or ends with a line break; reads one byte. */
export async function endsWithNewline(file: string): Promise<boolean> {
  const { size } = await stat(file);
  if (size === 0) return true;
  const handle = await openFile(file, 'r');
  try {
    const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** The last record of each key, in file order of those last records; superseded records left out. */
async function readLatest(file: string, supersedes?: (record: PredictionRecord) => boolean): Promise<{ latest: Map<string, PredictionRecord>; dropped: number }> {
  const read = await readJsonl(file, { schema: 'predictionRecord', onInvalid: 'skip' });
  const latest = new Map<string, PredictionRecord>();
  let superseded = 0;
  for (const { value } of read.records) {
    if (supersedes?.(value)) {
      superseded++;
      continue;
    }
    latest.delete(value.key); // a later record of a key replaces the earlier one (a retry, a recomputation)
    latest.set(value.key, value);
  }
  return { latest, dropped: read.records.length - latest.size + read.skipped + (read.tornLastLine ? 1 : 0) };
}

/**
 * Opens (or starts) the store. `supersedes(record)` marks stored records to drop because the same item,
 * step and mode is now another request (new weights under the same path, an edited template or item);
 * the file is then rewritten atomically so that each key has one record. With `resume: false` stored
 * records are kept until this run's records replace them (a kill mid-run loses nothing).
 */
export async function openPredictionStore(
  runDir: string,
  options: { resume: boolean; supersedes?: (record: PredictionRecord) => boolean },
): Promise<OpenStoreResult> {
  const file = join(runDir, 'predictions.jsonl');
  const state = new Map<string, KeyState>();
  const failures = new Map<string, PersistentFailure>();
  let dropped = 0;
  let replaced = 0;
  const note = (r: PredictionRecord): void => {
    if (state.has(r.key)) replaced++;
    const attempts = r.ok ? 0 : (r.attempt ?? 1);
    state.set(r.key, attempts);
    if (attempts >= MAX_ATTEMPTS && r.error) failures.set(r.key, { itemId: r.itemId, step: r.step, mode: r.mode, attempts, error: r.error });
    else failures.delete(r.key);
  };
  try {
    if (!(await pathExists(file))) {
      await writeFileAtomic(file, '');
    } else {
      const { latest, dropped: d } = await readLatest(file, options.supersedes);
      dropped = d;
      // Rewrite when anything was dropped, or when the last line lacks its newline (a write cut off right
      // after the JSON): the next append must not glue itself to it.
      if (dropped > 0 || !(await endsWithNewline(file))) await writeFileAtomic(file, toJsonl(latest.values()));
      for (const r of latest.values()) note(r);
      replaced = 0;
    }
  } catch (error) {
    throw asFsCpiError(error, file);
  }
  const resumed = state.size;
  const ignoreStored = !options.resume;
  const fresh = new Set<string>(); // keys written by this run (with --no-resume, stored ones do not count)
  const store: PredictionStore = {
    file,
    has: (key) => state.get(key) === 0 && (!ignoreStored || fresh.has(key)),
    failedAttempts: (key) => state.get(key) ?? 0,
    persistentFailures: () => [...failures.values()],
    get size() {
      return state.size;
    },
    async append(records) {
      try {
        await appendJsonl(file, records);
      } catch (error) {
        throw asFsCpiError(error, file);
      }
      for (const r of records) {
        note(r);
        fresh.add(r.key);
      }
    },
    async close() {
      if (replaced === 0) return;
      try {
        const { latest } = await readLatest(file);
        await writeFileAtomic(file, toJsonl(latest.values()));
      } catch (error) {
        throw asFsCpiError(error, file);
      }
      replaced = 0;
    },
  };
  return { store, resumed, dropped };
}
