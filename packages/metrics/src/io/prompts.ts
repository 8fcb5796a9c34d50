// A run folder's prompts.jsonl ({ promptId, text } per line, written by the runner): every rendered prompt
// once, referred to by the prediction records' promptId and by samples.jsonl.
import { join } from 'node:path';
import { readJsonl } from '@cpi-bench/schemas';

export const PROMPTS_FILE = 'prompts.jsonl';

/** The prompts stored in a run folder, by id; an absent file gives none, and unreadable lines are skipped (a torn last line). */
export async function readPrompts(runDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  // A torn last line of a killed run is skipped: the runner appends that prompt again.
  const read = await readJsonl(join(runDir, PROMPTS_FILE), { onInvalid: 'skip' }).catch((error: { cause?: { code?: string } }) => {
    if (error.cause?.code === 'ENOENT') return undefined;
    throw error;
  });
  for (const { value } of read?.records ?? []) {
    const v = (value ?? {}) as { promptId?: unknown; text?: unknown };
    if (typeof v.promptId === 'string' && typeof v.text === 'string') out.set(v.promptId, v.text);
  }
  return out;
}
