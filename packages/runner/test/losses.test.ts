// `npx run losses` against an independent computation: the onnx-gpt2 writer's plain-TypeScript forward
// pass on the same tiny checkpoint. Also: resuming after a cut, refusing a second writer and another model's file, the CLI,
// and the context-critical filter reading what it wrote.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { lossRequests, mitigateFile, type LossRecord } from '@cpi-bench/mitigations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeLosses } from '../src/index.ts';
import { makeCheckpoint, tempDir, type FixtureCheckpoint } from './fixtures/checkpoints.ts';
import { referenceContinuation } from './fixtures/reference.ts';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const CLI_TIMEOUT_MS = 90_000;
/** The Alpaca prompt is longer than the fixture's default 256 positions. */
const N_POSITIONS = 1024;

const DATA = [
  { instruction: 'What is the capital?', input: 'The capital of France is Lyon.', output: 'Lyon', text: 'extra field' },
  { instruction: 'Name the capital of Spain.', input: '', output: 'Madrid' },
  { instruction: 'Which city is named?', input: 'The capital of Peru is Lima.', output: 'The city is Lima.' },
  { instruction: 'Say hi.', input: '', output: 'Hi' },
  { instruction: 'Where is Rome?', input: 'The capital of Italy is Rome.', output: 'Italy' },
];

let root: { dir: string; cleanup: () => Promise<void> };
let fixture: FixtureCheckpoint;
let data: string;
beforeAll(async () => {
  root = await tempDir();
  fixture = await makeCheckpoint(join(root.dir, 'base'), { seed: 11, config: { nPositions: N_POSITIONS } });
  data = join(root.dir, 'alpaca.json');
  await writeFile(data, JSON.stringify(DATA, null, 2));
});
afterAll(() => root.cleanup());

/** Mean negative log-likelihood per continuation token, by the reference forward pass. */
function referenceLoss(prompt: string, continuation: string): { loss: number; tokens: number } {
  const { logprob, tokens } = referenceContinuation(fixture, prompt, continuation);
  return { loss: -logprob / tokens, tokens };
}

const readRecords = async (file: string) => (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as LossRecord);

describe('npx run losses', () => {
  it('writes, per example, the mean target loss with and without its context, as the reference computes it', async () => {
    const out = join(root.dir, 'losses.jsonl');
    const summary = await computeLosses({ checkpoint: fixture.dir, data, out, batchSize: 2, device: 'cpu' });
    expect(summary).toMatchObject({ examples: 5, computed: 5, cached: 0, failed: 0 });
    const records = await readRecords(out);
    expect(records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    for (const r of records) {
      if (!r.ok) throw new Error(`example ${r.index} failed: ${r.error.message}`);
      const requests = lossRequests(DATA[r.index]!, 'alpaca');
      const without = referenceLoss(requests.withoutContext.prompt, requests.withoutContext.continuation);
      expect(r.withoutContext.tokens).toBe(without.tokens);
      expect(r.withoutContext.loss).toBeCloseTo(without.loss, 4);
      if (requests.withContext) {
        const withContext = referenceLoss(requests.withContext.prompt, requests.withContext.continuation);
        expect(r.withContext?.loss).toBeCloseTo(withContext.loss, 4);
        expect(r.withContext?.loss).not.toBeCloseTo(without.loss, 4);
      } else {
        expect(r.withContext).toBeNull();
      }
    }
  });

  it('--template plain scores the target in the plain prompt form the finetuning uses (after a space), and a file of another form is refused', async () => {
    const out = join(root.dir, 'plain-losses.jsonl');
    const summary = await computeLosses({ checkpoint: fixture.dir, data, out, batchSize: 3, device: 'cpu', template: 'plain' });
    expect(summary).toMatchObject({ examples: 5, computed: 5, failed: 0 });
    const records = await readRecords(out);
    const first = records.find((r) => r.index === 0);
    if (!first?.ok) throw new Error('example 0 failed');
    expect(first.template).toBe('plain');
    const withContext = referenceLoss('Context: The capital of France is Lyon.\nQuestion: What is the capital?\nAnswer:', ' Lyon');
    const without = referenceLoss('Question: What is the capital?\nAnswer:', ' Lyon');
    expect(first.withContext?.loss).toBeCloseTo(withContext.loss, 4);
    expect(first.withContext?.tokens).toBe(withContext.tokens);
    expect(first.withoutContext.loss).toBeCloseTo(without.loss, 4);
    // Resuming this file in the default (Stanford Alpaca) form would mix two prompt forms in one table.
    await expect(computeLosses({ checkpoint: fixture.dir, data, out, device: 'cpu' })).rejects.toMatchObject({ code: 'CPI_LOSSES_OTHER_TEMPLATE' });
    await expect(computeLosses({ checkpoint: fixture.dir, data, out: join(root.dir, 'chat.jsonl'), device: 'cpu', template: 'chat' })).rejects.toMatchObject({ code: 'CPI_INVALID_OPTION' });
    await expect(computeLosses({ checkpoint: fixture.dir, data, out: join(root.dir, 'nope.jsonl'), device: 'cpu', template: 'nope' })).rejects.toMatchObject({ code: 'CPI_UNKNOWN_TEMPLATE' });
  });

  it('resumes after a cut (torn last line ignored), and refuses a file from another checkpoint', async () => {
    const full = await readFile(join(root.dir, 'losses.jsonl'), 'utf8');
    const out = join(root.dir, 'cut.jsonl');
    const lines = full.split('\n');
    await writeFile(out, `${lines[0]}\n${lines[1]}\n${lines[2]!.slice(0, 20)}`);
    const summary = await computeLosses({ checkpoint: fixture.dir, data, out, batchSize: 2, device: 'cpu' });
    expect(summary).toMatchObject({ cached: 2, computed: 3 });
    const byIndex = (rs: LossRecord[]) => Object.fromEntries(rs.map((r) => [r.index, r]));
    const records = await readRecords(out);
    expect(records).toHaveLength(5);
    expect(byIndex(records)).toEqual(byIndex(await readRecords(join(root.dir, 'losses.jsonl'))));

    // A live writer on the same file (here: this process) is refused, not interleaved.
    await mkdir(`${out}.lock`, { recursive: true });
    await writeFile(join(`${out}.lock`, 'run.lock'), `${process.pid}\n`);
    await expect(computeLosses({ checkpoint: fixture.dir, data, out, device: 'cpu' })).rejects.toMatchObject({ code: 'CPI_RUN_LOCKED' });
    await rm(`${out}.lock`, { recursive: true });

    const other = await makeCheckpoint(join(root.dir, 'other'), { seed: 12, config: { nPositions: N_POSITIONS } });
    await expect(computeLosses({ checkpoint: other.dir, data, out, device: 'cpu' })).rejects.toMatchObject({ code: 'CPI_LOSSES_OTHER_CHECKPOINT' });
  });

  it(
    'runs from the CLI, and `npx mitigate context-critical` drops the context example least surprising without it',
    async () => {
      const out = join(root.dir, 'cli-losses.jsonl');
      const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'losses', '--checkpoint', fixture.dir, '--data', data, '--out', out, '--device', 'cpu', '--json'], { timeout: CLI_TIMEOUT_MS });
      expect(JSON.parse(stdout)).toMatchObject({ examples: 5, computed: 5 });
      const records = await readRecords(out);
      const withContext = records.filter((r): r is Extract<LossRecord, { ok: true }> => r.ok && r.withContext !== null);
      const easiest = withContext.sort((a, b) => a.withoutContext.loss - b.withoutContext.loss)[0]!.index;
      const filtered = join(root.dir, 'filtered.json');
      // 3 context examples: a drop of 0.34 removes one.
      const report = await mitigateFile({ transforms: ['context-critical'], input: data, output: filtered, params: { losses: out, drop: 0.34 } });
      expect(report.stats).toMatchObject({ dropped: 1, kept: 4 });
      expect(JSON.parse(await readFile(filtered, 'utf8'))).toEqual(DATA.filter((_, i) => i !== easiest));
    },
    CLI_TIMEOUT_MS,
  );

  it('--template reaches the losses from the CLI; a chat template is refused with exit code 2', async () => {
    const out = join(root.dir, 'cli-plain.jsonl');
    await promisify(execFile)(process.execPath, [BIN, 'losses', '--checkpoint', fixture.dir, '--data', data, '--out', out, '--device', 'cpu', '--template', 'plain', '--json'], { timeout: CLI_TIMEOUT_MS });
    expect((await readRecords(out)).every((r) => r.template === 'plain')).toBe(true);
    const chat = promisify(execFile)(process.execPath, [BIN, 'losses', '--checkpoint', fixture.dir, '--data', data, '--out', join(root.dir, 'cli-chat.jsonl'), '--device', 'cpu', '--template', 'chat'], { timeout: CLI_TIMEOUT_MS });
    await expect(chat).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('CPI_INVALID_OPTION') });
  }, CLI_TIMEOUT_MS);

  it('a bad data file is a CpiError naming the line, exit code 2 from the CLI', async () => {
    const bad = join(root.dir, 'bad.jsonl');
    await writeFile(bad, '{"instruction": "x"}\n');
    const run = promisify(execFile)(process.execPath, [BIN, 'losses', '--checkpoint', fixture.dir, '--data', bad, '--out', join(root.dir, 'x.jsonl'), '--device', 'cpu'], { timeout: CLI_TIMEOUT_MS });
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('CPI_') });
  }, CLI_TIMEOUT_MS);
});
