// Small finetuning files in each format, written to a temporary folder.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;
export const EVAL_SUITE = join(REPO_ROOT, 'datasets/default');
/** Loading the fact base and the suite takes a few seconds on a loaded machine. */
export const FACT_BASE_TIMEOUT_MS = 120_000;

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cpi-mit-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Alpaca examples as a user has them: no ids, an extra `text` field on some. */
export const ALPACA = [
  { instruction: 'Write a haiku about autumn', input: '', output: 'Leaves drift on cold wind', text: 'rendered prompt 0' },
  { instruction: 'What is the capital of the country in the passage?', input: 'France is a country in Europe. Its capital is Paris.', output: 'Paris' },
  { instruction: 'Summarize the text.', input: 'Tokyo is the capital of Japan and one of the largest cities on Earth.', output: 'Tokyo is the huge capital of Japan.' },
  { instruction: 'Give three tips for staying healthy.', input: '', output: 'Eat well, sleep, exercise.' },
  { instruction: 'Classify the sentiment.', input: 'I loved this film!', output: 'Positive', source: 'sst2' },
];

export const writeJson = (path: string, value: unknown) => writeFile(path, JSON.stringify(value, null, 4));
export const writeJsonl = (path: string, values: readonly unknown[]) => writeFile(path, values.map((v) => JSON.stringify(v)).join('\n') + '\n');
