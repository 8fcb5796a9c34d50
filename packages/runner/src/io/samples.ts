// samples.jsonl beside the store (lm-evaluation-harness's --log_samples): one readable row per item and
// checkpoint, rebuilt from the stored predictions after each run. Written to a temp sibling and renamed,
// line batch by line batch, so a big run never holds the whole file in memory and a reader never sees half.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { asFsCpiError, SCHEMA_VERSION } from '@cpi-bench/schemas';
import { loadRunDir, sampleRows } from '@cpi-bench/metrics';

export const SAMPLES_FILE = 'samples.jsonl';
const BATCH_LINES = 2000;

/** Writes RUN_DIR/samples.jsonl from the folder's items and predictions; returns its path. */
export async function writeRunSamples(runDir: string): Promise<string> {
  const run = await loadRunDir(runDir);
  const file = join(runDir, SAMPLES_FILE);
  const tmp = join(runDir, `.${SAMPLES_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'w');
    try {
      let batch: string[] = [];
      for (const row of sampleRows(run.items, run.records)) {
        batch.push(JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...row }));
        if (batch.length >= BATCH_LINES) {
          await handle.write(batch.join('\n') + '\n');
          batch = [];
        }
      }
      if (batch.length > 0) await handle.write(batch.join('\n') + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw asFsCpiError(error, file);
  }
  return file;
}
