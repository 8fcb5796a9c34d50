// A run folder's prompts.jsonl ({ promptId, text } per line, written by the runner): every rendered prompt
// once, referred to by the prediction records' promptId and by samples.jsonl.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const PROMPTS_FILE = 'prompts.jsonl';

/** The prompts stored in a run folder, by id; an absent file gives none, and unreadable lines are skipped (a torn last line). */
export async function readPrompts(runDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const text = await readFile(join(runDir, PROMPTS_FILE), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const v = JSON.parse(line) as { promptId?: unknown; text?: unknown };
      if (typeof v.promptId === 'string' && typeof v.text === 'string') out.set(v.promptId, v.text);
    } catch {
      // a torn last line of a killed run: the runner appends that prompt again
    }
  }
  return out;
}
