// Every command of packages/mitigations/README.md, run as written (in order, in one folder) on a small Alpaca
// file, with `models/base` a tiny real checkpoint. It lives in the runner's tests because one command is
// `npx run losses`, which needs the ONNX backend and a checkpoint the test builds.
import { execFile } from 'node:child_process';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isValid } from '@cpi-bench/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCheckpoint, tempDir } from './fixtures/checkpoints.ts';

const README = fileURLToPath(new URL('../../mitigations/README.md', import.meta.url));
const MITIGATE = fileURLToPath(new URL('../../mitigations/bin/mitigate.js', import.meta.url));
const RUN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const SUITE = fileURLToPath(new URL('../../../datasets/default', import.meta.url));
const DATASETS = fileURLToPath(new URL('../../../datasets', import.meta.url));
const ALL_COMMANDS_TIMEOUT_MS = 300_000;

const ALPACA = [
  { instruction: 'Write a haiku about autumn', input: '', output: 'Leaves drift on cold wind' },
  { instruction: 'What is the capital of the country in the passage?', input: 'France is a country in Europe. Its capital is Paris.', output: 'Paris' },
  { instruction: 'Summarize the text.', input: 'Tokyo is the capital of Japan and one of the largest cities on Earth.', output: 'Tokyo is the huge capital of Japan.' },
  { instruction: 'Give three tips for staying healthy.', input: '', output: 'Eat well, sleep, exercise.', text: 'an extra field' },
  { instruction: 'Classify the sentiment.', input: 'I loved this film!', output: 'Positive' },
  { instruction: 'Who wrote the letter?', input: 'The letter was written by Marie Curie in 1911 from her laboratory.', output: 'Marie Curie wrote it.' },
  { instruction: 'Translate to French.', input: 'Good morning', output: 'Bonjour' },
  { instruction: 'Name a primary colour.', input: '', output: 'Red' },
];

/** The commands of the README's sh blocks. */
async function readmeCommands(): Promise<string[]> {
  const text = await readFile(README, 'utf8');
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => (m[1] as string).split('\n')).filter((l) => l.startsWith('npx '));
}

let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempDir();
  await makeCheckpoint(join(root.dir, 'models', 'base'), { seed: 5, config: { nPositions: 1024 } });
  await writeFile(join(root.dir, 'alpaca_data.json'), JSON.stringify(ALPACA, null, 4));
  // The README's commands run from a checkout's root, where defaults such as --eval-suite datasets/default resolve.
  await symlink(DATASETS, join(root.dir, 'datasets'));
});
afterAll(() => root.cleanup());

describe('packages/mitigations/README.md', () => {
  it(
    'every command runs on a small Alpaca file and does what the README says',
    async () => {
      const commands = await readmeCommands();
      expect(commands.length).toBeGreaterThanOrEqual(9);
      for (const command of commands) {
        const line = command
          .replace(/^npx mitigate/, `"${process.execPath}" "${MITIGATE}"`)
          .replace(/^npx run/, `"${process.execPath}" "${RUN}"`)
          .replace(/datasets\/default/g, SUITE)
          .replace(/ --checkpoint \S+/, ` --checkpoint models/base --device cpu`);
        const r = await promisify(execFile)('bash', ['-c', line], { cwd: root.dir, timeout: ALL_COMMANDS_TIMEOUT_MS }).catch((error: { stderr?: string }) => {
          throw new Error(`${command}\n${error.stderr ?? String(error)}`);
        });
        if (command.includes('--dry-run --json')) expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, input: { count: ALPACA.length } });
        if (command.includes('--list')) expect(r.stdout).toMatch(/context-critical[\s\S]*--drop SHARE/);
      }
      const json = async (name: string) => JSON.parse(await readFile(join(root.dir, name), 'utf8')) as Record<string, unknown>[];
      expect(await json('alpaca_context.json')).toEqual(ALPACA.filter((e) => e.input !== ''));
      const noOverlap = await json('alpaca_no_overlap.json');
      expect(noOverlap).toContainEqual(ALPACA[0]);
      expect(noOverlap.map((e) => e['output'])).not.toContain('Paris');
      await expect(readFile(join(root.dir, 'alpaca_filtered.json'))).rejects.toThrow();
      // 6 context examples: a quarter, rounded down, is 1.
      expect(await json('alpaca_critical.json')).toHaveLength(ALPACA.length - 1);
      expect(await json('alpaca_cf_facts.json')).toHaveLength(ALPACA.length);
      for (const report of ['alpaca_context.json.report.json', 'alpaca_critical.json.report.json', 'alpaca_cf.json.report.json', 'cf_facts_report.json']) {
        expect(isValid('mitigationReport', JSON.parse(await readFile(join(root.dir, report), 'utf8')))).toBe(true);
      }
      expect(JSON.parse(await readFile(join(root.dir, 'lora_config.json'), 'utf8'))).toMatchObject({ peft_type: 'LORA', target_modules: ['q_proj', 'k_proj'] });
    },
    ALL_COMMANDS_TIMEOUT_MS,
  );
});
