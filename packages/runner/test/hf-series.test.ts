// A Hugging Face Trainer output folder run end to end as the README says, generation_config.json stop ids,
// and prompts longer than the context window, on the PyTorch-exported fixtures (tools/hf-fixtures).
import { execFile } from 'node:child_process';
import { cp as copyDir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCheckpoints, loadCheckpointSeries, loadOnnxModel, resolveRunOptions, runBenchmark, silentProgress } from '../src/index.ts';
import { makeItems, tempDir, writeItems } from './fixtures/checkpoints.ts';

const MODELS = join(import.meta.dirname, 'fixtures', 'hf', 'models');
const REPO = join(import.meta.dirname, '..', '..', '..');
const RUN_BIN = join(import.meta.dirname, '..', 'bin', 'run.js');

let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempDir();
});
afterAll(() => root.cleanup());

describe('a Trainer output folder (checkpoint-*/ plus the final model on top)', () => {
  it('is one series: the subfolders by trainer_state.json global_step, then the final model', async () => {
    const found = await findCheckpoints(join(MODELS, 'trainer-out'));
    expect(found.map((c) => [c.step, c.path])).toEqual([
      [1, join(MODELS, 'trainer-out', 'checkpoint-1')],
      [2, join(MODELS, 'trainer-out', 'checkpoint-2')],
      [3, join(MODELS, 'trainer-out')],
    ]);
  });

  it('takes a checkpoint folder over a final model saved at the same step, and says so', async () => {
    const dir = join(root.dir, 'same-step');
    await copyDir(join(MODELS, 'trainer-out'), dir, { recursive: true });
    await writeFile(join(dir, 'trainer_state.json'), JSON.stringify({ global_step: 2 }));
    const notes: string[] = [];
    const series = await loadCheckpointSeries(dir, { onNotice: (m) => notes.push(m) });
    expect(series.map((c) => c.manifest.step)).toEqual([1, 2]);
    expect(notes.join('\n')).toContain('using checkpoint-2/');
  });

  it('says which wins when trainer_state.json and the folder name disagree', async () => {
    const dir = join(root.dir, 'disagree');
    await copyDir(join(MODELS, 'trainer-out'), dir, { recursive: true });
    await writeFile(join(dir, 'checkpoint-2', 'trainer_state.json'), JSON.stringify({ global_step: 7 }));
    await writeFile(join(dir, 'trainer_state.json'), JSON.stringify({ global_step: 9 }));
    const notes: string[] = [];
    await loadCheckpointSeries(dir, { onNotice: (m) => notes.push(m) });
    expect(notes.join('\n')).toContain('global_step 7 and the folder name (step 2) disagree; trainer_state.json wins');
  });

  it("runs from the README's command: prints the series and the dataset it used (datasets/default)", async () => {
    // As a user runs it: the bin, from the checkout's root, where the default suite resolves.
    const { stderr } = await promisify(execFile)(
      process.execPath,
      [RUN_BIN, 'benchmark', '--checkpoints', join(MODELS, 'trainer-out'), '--out', join(root.dir, 'run-trainer'), '--mode', 'score', '--limit', '3', '--no-report'],
      { cwd: REPO },
    );
    expect(stderr).toContain(`dataset: ${join(REPO, 'datasets', 'default')}`);
    expect(stderr).toMatch(/series of 3 checkpoint\(s\)/);
    expect(stderr).toMatch(/\s3 {2}\S*trainer-out\s+model\.onnx/);
    const config = JSON.parse(await readFile(join(root.dir, 'run-trainer', 'run-config.json'), 'utf8')) as { checkpoints: { step: number }[]; dataset: { path: string } };
    expect(config.checkpoints.map((c) => c.step)).toEqual([1, 2, 3]);
    expect(config.dataset.path).toBe(join(REPO, 'datasets', 'default'));
  }, 120_000);
});

describe("the model's own generation config", () => {
  it('stops at every id in generation_config.json eos_token_id, not only the tokenizer eos_token', async () => {
    const dir = join(root.dir, 'phi3-stop');
    await copyDir(join(MODELS, 'phi3'), dir, { recursive: true });
    const golden = JSON.parse(await readFile(join(dir, 'golden.json'), 'utf8')) as { cases: { prompt: string; greedyIds: number[] }[] };
    const first = golden.cases[0]!.greedyIds[2]!;
    const gen = JSON.parse(await readFile(join(dir, 'generation_config.json'), 'utf8')) as { eos_token_id: number[] };
    await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [...gen.eos_token_id, first] }));
    const [cp] = await loadCheckpointSeries(dir);
    const model = await loadOnnxModel(cp!.files, { device: 'cpu' });
    try {
      const [r] = await model.generate([golden.cases[0]!.prompt], { maxNewTokens: 8, stop: [], batchSize: 1 });
      expect(r).toMatchObject({ ok: true, stopReason: 'eos', tokenIds: golden.cases[0]!.greedyIds.slice(0, 2) });
    } finally {
      await model.dispose();
    }
  });
});

describe('a prompt longer than the context window', () => {
  it('is an item failure (CPI_PROMPT_TOO_LONG) in both modes, never cut silently', async () => {
    const [cp] = await loadCheckpointSeries(join(MODELS, 'gpt2'));
    const model = await loadOnnxModel(cp!.files, { device: 'cpu' });
    try {
      const long = 'The capital of Italy is Rome. '.repeat(80);
      expect(model.encode(long).length).toBeGreaterThan(model.maxLength);
      const [s, ok] = await model.scoreContinuations(
        [
          { prompt: long, continuation: ' Rome' },
          { prompt: 'The capital of Italy is', continuation: ' Rome' },
        ],
        { batchSize: 2 },
      );
      expect(s).toMatchObject({ ok: false, error: { code: 'CPI_PROMPT_TOO_LONG' } });
      expect(ok).toMatchObject({ ok: true });
      const [g] = await model.generate([long], { maxNewTokens: 4, stop: [], batchSize: 1 });
      expect(g).toMatchObject({ ok: false, error: { code: 'CPI_PROMPT_TOO_LONG' } });
    } finally {
      await model.dispose();
    }
  });
});

describe('a run with prompts longer than the context window', () => {
  it('counts them as item failures and says so, and scores the rest', async () => {
    const items = makeItems(3);
    items[0] = { ...items[0]!, context: 'The capital of Italy is Rome. '.repeat(60) };
    const file = await writeItems(join(root.dir, 'long.jsonl'), items);
    const notices: string[] = [];
    const summary = await runBenchmark(
      resolveRunOptions({ checkpoints: join(MODELS, 'gpt2'), dataset: file, out: join(root.dir, 'run-long'), mode: 'score' }),
      { progress: { ...silentProgress, notice: (m) => notices.push(m) } },
    );
    expect(summary.jobs.failed).toBe(1);
    expect(notices.join('\n')).toContain('1 prediction(s) failed as CPI_PROMPT_TOO_LONG (longer than the 256-token context window');
  }, 60_000);

  it("uses the dataset a series.json names when --dataset is not given", async () => {
    const { seriesDataset } = await import('../src/io/checkpoints.ts');
    const dir = join(root.dir, 'with-series-json');
    await copyDir(join(MODELS, 'trainer-out', 'checkpoint-1'), join(dir, 'a'), { recursive: true });
    await writeFile(join(dir, 'series.json'), JSON.stringify({ checkpoints: [{ path: 'a', step: 1 }], dataset: '../items' }));
    expect(await seriesDataset(dir)).toBe(join(root.dir, 'items'));
    expect(await seriesDataset(join(MODELS, 'trainer-out'))).toBeUndefined();
  });
});
