// prompts.jsonl: every rendered prompt of a run folder once, by id ({ promptId, text }); prediction records
// and samples.jsonl refer to it, so a prompt shared by 21 checkpoints is stored once. Append-only: a resumed
// or repeated run adds the prompts it does not find and never rewrites a line. (The reader is metrics'.)
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appendJsonl, SCHEMA_VERSION } from '@cpi-bench/schemas';
import { PROMPTS_FILE, readPrompts } from '@cpi-bench/metrics';
import { endsWithNewline } from './store.ts';

export { PROMPTS_FILE };

/** Appends the prompts the folder does not hold yet; returns the file. */
export async function savePrompts(runDir: string, prompts: ReadonlyMap<string, string>): Promise<string> {
  const file = join(runDir, PROMPTS_FILE);
  const have = await readPrompts(runDir);
  const missing = [...prompts].filter(([id]) => !have.has(id)).map(([promptId, text]) => ({ schemaVersion: SCHEMA_VERSION, promptId, text }));
  if (missing.length === 0) return file;
  // A torn last line (a killed run) is ended first, so the appended lines stay whole.
  if (!(await endsWithNewline(file).catch(() => true))) await appendFile(file, '\n');
  await appendJsonl(file, missing);
  return file;
}
