// The append-only prediction store of a run: RUN_DIR/predictions.jsonl. Records are appended as whole
// lines; on start the stored keys are read back (a torn last line is ignored) so nothing is recomputed.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { appendJsonl, readJsonl, toJsonl, writeFileAtomic, type PredictionRecord } from '@cpi-bench/schemas';

export interface PredictionStore {
  file: string;
  /** Keys already stored. */
  has(key: string): boolean;
  readonly size: number;
  append(records: readonly PredictionRecord[]): Promise<void>;
}

export interface OpenStoreResult {
  store: PredictionStore;
  /** Records read back from an earlier run. */
  resumed: number;
  /** Lines dropped: unparseable, invalid, torn, or superseded (same item, step and mode under new weights). */
  dropped: number;
}

/**
 * Opens (or starts) the store. `supersedes(record)` marks stored records to drop because the same item,
 * step and mode now has another key (new weights under the same checkpoint path); the file is then
 * rewritten atomically so that each (item, checkpoint, mode) has one record.
 */
export async function openPredictionStore(
  runDir: string,
  options: { resume: boolean; supersedes?: (record: PredictionRecord) => boolean },
): Promise<OpenStoreResult> {
  const file = join(runDir, 'predictions.jsonl');
  const keys = new Set<string>();
  let dropped = 0;
  const present = await stat(file).then(
    () => true,
    () => false,
  );
  if (!options.resume || !present) {
    await writeFileAtomic(file, '');
  } else {
    const read = await readJsonl(file, { schema: 'predictionRecord', onInvalid: 'skip' });
    const kept: PredictionRecord[] = [];
    for (const { value } of read.records) {
      if (keys.has(value.key) || options.supersedes?.(value)) continue;
      keys.add(value.key);
      kept.push(value);
    }
    dropped = read.records.length - kept.length + read.skipped + (read.tornLastLine ? 1 : 0);
    // Rewrite when anything was dropped: a torn tail must not glue itself to the next appended line.
    if (dropped > 0) await writeFileAtomic(file, toJsonl(kept));
  }
  const store: PredictionStore = {
    file,
    has: (key) => keys.has(key),
    get size() {
      return keys.size;
    },
    async append(records) {
      const fresh = records.filter((r) => !keys.has(r.key));
      await appendJsonl(file, fresh);
      for (const r of fresh) keys.add(r.key);
    },
  };
  return { store, resumed: keys.size, dropped };
}
