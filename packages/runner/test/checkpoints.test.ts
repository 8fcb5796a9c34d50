// Checkpoint discovery, validation and hashing, and each bad checkpoint a user can bring.
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCheckpoints, loadCheckpointSeries, loadOnnxModel, stepFromName } from '../src/index.ts';
import { stepFromName as schemasStepFromName } from '@cpi-bench/schemas';
import { TOKENIZER, makeCheckpoint, makeSeries, tempDir } from './fixtures/checkpoints.ts';

let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempDir();
});
afterAll(() => root.cleanup());

describe('stepFromName', () => {
  // Its cases are tested once, in @cpi-bench/schemas (test/step-name.test.ts): the runner must use that rule.
  it("is the schemas' one rule, re-exported", () => expect(stepFromName).toBe(schemasStepFromName));
});

describe('discovery', () => {
  it('orders a series numerically by step, not by name', async () => {
    const dir = join(root.dir, 'series-order');
    await makeSeries(dir, [1000, 50, 200]);
    const found = await findCheckpoints(dir);
    expect(found.map((c) => c.step)).toEqual([50, 200, 1000]);
  });

  it('prefers trainer_state.json global_step over the folder name', async () => {
    const dir = join(root.dir, 'series-state');
    await makeSeries(dir, [1, 2]);
    await writeFile(join(dir, 'checkpoint-1', 'trainer_state.json'), JSON.stringify({ global_step: 900 }));
    const found = await findCheckpoints(dir);
    expect(found.map((c) => [c.step, c.stepSource])).toEqual([
      [2, 'name'],
      [900, 'trainer_state'],
    ]);
  });

  it('takes an explicit comma-separated list', async () => {
    const dir = join(root.dir, 'series-list');
    const dirs = await makeSeries(dir, [30, 10]);
    const found = await findCheckpoints(dirs.join(','));
    expect(found.map((c) => c.step)).toEqual([10, 30]);
  });

  it('lists every missing file of every checkpoint before the run starts', async () => {
    const dir = join(root.dir, 'series-missing');
    await makeSeries(dir, [1, 2]);
    await rm(join(dir, 'checkpoint-1', 'model.onnx'));
    await rm(join(dir, 'checkpoint-2', 'tokenizer.json'));
    const error = await loadCheckpointSeries(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CPI_CHECKPOINT_MISSING_FILE' });
    const message = (error as Error).message;
    expect(message).toContain(`${join(dir, 'checkpoint-1')}: missing decoder_model_merged.onnx or model.onnx or onnx/decoder_model_merged.onnx or onnx/model.onnx`);
    expect(message).toContain(`${join(dir, 'checkpoint-2')}: missing tokenizer.json`);
  });

  it('reports an empty series folder', async () => {
    const dir = join(root.dir, 'empty');
    await mkdir(dir, { recursive: true });
    await expect(findCheckpoints(dir)).rejects.toMatchObject({ code: 'CPI_NO_CHECKPOINTS' });
  });
});

describe('hashing', () => {
  it('keys the manifest by content: same bytes elsewhere hash alike, new weights under the same path do not', async () => {
    const a = join(root.dir, 'hash-a');
    const b = join(root.dir, 'hash-b');
    await makeCheckpoint(a, { seed: 3 });
    await makeCheckpoint(b, { seed: 3 });
    const [ma] = await loadCheckpointSeries(a);
    const [mb] = await loadCheckpointSeries(b);
    expect(ma!.manifest.modelHash).toBe(mb!.manifest.modelHash);
    expect(ma!.manifest.tokenizerHash).toBe(mb!.manifest.tokenizerHash);
    await makeCheckpoint(a, { seed: 4 });
    const [changed] = await loadCheckpointSeries(a);
    expect(changed!.manifest.modelHash).not.toBe(ma!.manifest.modelHash);
    expect(changed!.manifest.tokenizerHash).toBe(ma!.manifest.tokenizerHash);
  });

  it('includes external weight files in the model hash', async () => {
    const dir = join(root.dir, 'hash-external');
    await makeCheckpoint(dir, { variant: { externalData: true } });
    const [cp] = await loadCheckpointSeries(dir);
    expect(cp!.manifest.files.map((f) => f.path)).toContain('model.onnx_data');
    expect(cp!.manifest.graph?.externalData).toBe(true);
  });
});

describe('bad checkpoints are CpiErrors that say what to do', () => {
  it('a corrupt graph', async () => {
    const dir = join(root.dir, 'corrupt');
    await makeCheckpoint(dir);
    const graph = join(dir, 'model.onnx');
    await truncate(graph, Math.floor((await readFile(graph)).length / 3));
    const [cp] = await loadCheckpointSeries(dir);
    await expect(loadOnnxModel(cp!.files, { device: 'cpu' })).rejects.toMatchObject({ code: 'CPI_CHECKPOINT_CORRUPT', file: graph });
  });

  it('a tokenizer whose vocabulary is larger than the model', async () => {
    const dir = join(root.dir, 'vocab');
    await makeCheckpoint(dir);
    // One added token beyond the model's 320 embeddings.
    const tokenizer = { ...TOKENIZER, added_tokens: [...TOKENIZER.added_tokens, { ...TOKENIZER.added_tokens[0]!, id: 500, content: '<|extra|>' }] };
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
    await expect(loadCheckpointSeries(dir)).rejects.toMatchObject({ code: 'CPI_TOKENIZER_VOCAB_MISMATCH', file: join(dir, 'tokenizer.json') });
    // A config.json that claims a larger vocabulary passes the file check; the graph's logits still do not fit.
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: 1000 }));
    const [cp] = await loadCheckpointSeries(dir);
    await expect(loadOnnxModel(cp!.files, { device: 'cpu' })).rejects.toMatchObject({ code: 'CPI_TOKENIZER_VOCAB_MISMATCH' });
  });

  it('a graph without a logits output', async () => {
    const dir = join(root.dir, 'no-logits');
    await makeCheckpoint(dir);
    const graph = join(dir, 'model.onnx');
    const model = onnxProto.onnx.ModelProto.decode(await readFile(graph));
    const rename = (n: string): string => (n === 'logits' ? 'lm_scores' : n);
    for (const node of model.graph!.node!) node.output = node.output!.map(rename);
    for (const out of model.graph!.output!) out.name = rename(out.name!);
    await writeFile(graph, onnxProto.onnx.ModelProto.encode(model).finish());
    const [cp] = await loadCheckpointSeries(dir);
    await expect(loadOnnxModel(cp!.files, { device: 'cpu' })).rejects.toMatchObject({ code: 'CPI_GRAPH_NO_LOGITS' });
  });

  it('weights that contain NaN', async () => {
    const dir = join(root.dir, 'nan');
    await makeCheckpoint(dir, { weights: (w) => w.lnfGamma.fill(Number.NaN) });
    const [cp] = await loadCheckpointSeries(dir);
    await expect(loadOnnxModel(cp!.files, { device: 'cpu' })).rejects.toMatchObject({ code: 'CPI_NAN_LOGITS' });
  });
});

describe('grouped-query attention with symbolic cache dims', () => {
  it('shapes the empty cache from config.json num_key_value_heads when the graph does not say', async () => {
    const dir = join(root.dir, 'gqa-symbolic');
    await makeCheckpoint(dir, { seed: 5, config: { nKvHead: 2 } });
    const graph = join(dir, 'model.onnx');
    const [before] = await loadCheckpointSeries(dir);
    const numeric = await loadOnnxModel(before!.files, { device: 'cpu' });
    const request = [{ prompt: 'Question: What is the capital of Spain?\nAnswer:', continuation: ' Madrid' }];
    const [expected] = await numeric.scoreContinuations(request, { batchSize: 1 });
    await numeric.dispose();
    // Real exports often declare [batch, num_heads, past_len, head_dim] with names, not numbers.
    const model = onnxProto.onnx.ModelProto.decode(await readFile(graph));
    for (const input of model.graph!.input!) {
      if (!input.name!.startsWith('past_key_values')) continue;
      const dims = input.type!.tensorType!.shape!.dim!;
      dims[1] = onnxProto.onnx.TensorShapeProto.Dimension.create({ dimParam: 'num_key_value_heads' });
      dims[3] = onnxProto.onnx.TensorShapeProto.Dimension.create({ dimParam: 'head_dim' });
    }
    await writeFile(graph, onnxProto.onnx.ModelProto.encode(model).finish());
    const [cp] = await loadCheckpointSeries(dir);
    const symbolic = await loadOnnxModel(cp!.files, { device: 'cpu' });
    expect(symbolic.graph).toMatchObject({ numKeyValueHeads: 2, headDim: 8 });
    const [got] = await symbolic.scoreContinuations(request, { batchSize: 1 });
    await symbolic.dispose();
    expect(got?.ok && expected?.ok && Math.abs(got.logprob - expected.logprob)).toBeLessThan(1e-5);
  });
});
