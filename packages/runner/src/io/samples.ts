// samples.jsonl beside the store (lm-evaluation-harness's --log_samples): one readable row per item and
// checkpoint, rebuilt from the stored predictions after each run. Written atomically (writeFileAtomicWith),
// line batch by line batch, so a big run never holds the whole file in memory and a reader never sees half.
import { join } from 'node:path';
import { asFsCpiError, SCHEMA_VERSION, writeFileAtomicWith } from '@cpi-bench/schemas';
import { loadRunDir, sampleRows } from '@cpi-bench/metrics';

export const SAMPLES_FILE = 'samples.jsonl';
const BATCH_LINES = 2000;

/** Writes RUN_DIR/samples.jsonl from the folder's items and predictions; returns its path. */
export async function writeRunSamples(runDir: string): Promise<string> {
  const run = await loadRunDir(runDir);
  const file = join(runDir, SAMPLES_FILE);
  try {
    await writeFileAtomicWith(file, async (handle) => {
      let batch: string[] = [];
      for (const row of sampleRows(run.items, run.records)) {
        batch.push(JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...row }));
        if (batch.length >= BATCH_LINES) {
          await handle.write(batch.join('\n') + '\n');
          batch = [];
        }
      }
      if (batch.length > 0) await handle.write(batch.join('\n') + '\n');
    });
  } catch (error) {
    throw asFsCpiError(error, file);
  }
  return file;
}
