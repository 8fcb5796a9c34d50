// Speed of the runner on a fixed tiny GPT-2 and 1,000 items, as ratios measured side by side in this run:
// (a) against transformers.js one item at a time (pipeline('text-generation') for generate, a model forward
// per candidate for score), the naive baseline; (b) against the raw session.run floor on the same batches.
// Also memory over a 30-checkpoint sweep. Run: npx tsx bench/runner.bench.ts [--items N] [--baseline-items N]
// The two-size benchmark with PASS/FAIL against issue 16's goals and a profile is bench/runner-sizes.bench.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildByteLevelTokenizer, encode, randomGpt2Weights, tokenId, writeCheckpoint, type Gpt2Config } from '@cpi-bench/onnx-gpt2';
import { resolveRunOptions, runBenchmark, type CheckpointDone, type ProgressSink } from '@cpi-bench/runner';
import { SCHEMA_VERSION, toJsonl, type ConflictItem } from '@cpi-bench/schemas';
import { naiveSides } from './runner-sizes-sides.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ITEMS = arg('items', 1000);
/** The naive baseline is slow; its items/s is measured on a prefix of the same items. */
const BASELINE_ITEMS = arg('baseline-items', 100);
const SWEEP_CHECKPOINTS = arg('sweep', 30);
const BATCH = arg('batch', 8);
const MAX_NEW = 16;
const ROUNDS = arg('rounds', 3);
const CONFIG: Gpt2Config = { vocabSize: 384, nPositions: 512, nEmbd: 64, nLayer: 2, nHead: 4 };

const COUNTRIES = ['France', 'Spain', 'Italy', 'Peru', 'Japan', 'Kenya', 'Chile', 'Norway', 'Egypt', 'Canada', 'Nepal', 'Ghana'];
const CITIES = ['Paris', 'Madrid', 'Rome', 'Lima', 'Tokyo', 'Nairobi', 'Santiago', 'Oslo', 'Cairo', 'Ottawa', 'Kathmandu', 'Accra'];

function makeItems(n: number): ConflictItem[] {
  return Array.from({ length: n }, (_, i) => {
    const c = i % COUNTRIES.length;
    const fake = CITIES[(c + 1 + (i % 5)) % CITIES.length]!;
    return {
      schemaVersion: SCHEMA_VERSION,
      id: `bench-${i}`,
      dataset: 'bench',
      category: 'country_capital',
      split: 'conflict',
      context: `In ${2025 + (i % 6)} the government of ${COUNTRIES[c]} moved its capital to ${fake} after a long debate.`,
      question: `What is the capital of ${COUNTRIES[c]}?`,
      contextAnswer: fake,
      parametricAnswer: CITIES[c]!,
      provenance: { source: 'bench' },
    } as ConflictItem;
  });
}

const prompt = (item: ConflictItem): string => `Context: ${item.context}\nQuestion: ${item.question}\nAnswer:`;
const silent: ProgressSink = { start() {}, advance() {}, checkpointDone() {}, notice() {}, stop() {} };
const rate = (n: number, ms: number): number => n / (ms / 1000);
const fmt = (x: number): string => x.toFixed(1).padStart(8);

const root = await mkdtemp(join(tmpdir(), 'cpi-runner-bench-'));
try {
  const tokenizer = buildByteLevelTokenizer({ corpus: makeItems(60).map((i) => `${prompt(i)} ${i.contextAnswer}`), vocabSize: CONFIG.vocabSize });
  const modelDir = join(root, 'models', 'checkpoint-0');
  await writeCheckpoint(modelDir, { config: CONFIG, weights: randomGpt2Weights(CONFIG, 11), tokenizer, step: 0 });
  const items = makeItems(ITEMS);
  const datasetFile = join(root, 'items.jsonl');
  await writeFile(datasetFile, toJsonl(items));
  const eos = tokenId(tokenizer);
  console.log(`tiny GPT-2 (${CONFIG.nLayer} layers, d${CONFIG.nEmbd}, vocab ${CONFIG.vocabSize}), ${ITEMS} items, batch ${BATCH}, ${MAX_NEW} new tokens; CPU`);

  // Each measurement is a function; they run interleaved for ROUNDS rounds and the best time of each counts,
  // so a burst of load from other processes on this shared machine skews no single side.
  let runCount = 0;
  // The runner's own clock for its checkpoint phase (session load, tokenising, inference, records, store),
  // beside the whole run's wall time, which adds the once-per-run setup (hashing, dataset, provenance).
  const phaseMs: Record<string, number> = {};
  const runner = (mode: 'score' | 'generate') => async (): Promise<void> => {
    const summary = await runBenchmark(
      resolveRunOptions({
        checkpoints: modelDir,
        dataset: datasetFile,
        out: join(root, `run-${mode}-${runCount++}`),
        mode,
        device: 'cpu',
        batchSize: BATCH,
        maxNewTokens: MAX_NEW,
        stop: [],
      }),
      { progress: silent },
    );
    const ms = summary.checkpoints.reduce((t, c) => t + c.seconds * 1000, 0);
    phaseMs[mode] = Math.min(phaseMs[mode] ?? Infinity, ms);
  };

  // (b) the raw floor: only session.run (+ argmax for generate) on the same batches, tokens precomputed.
  const session = await ort.InferenceSession.create(join(modelDir, 'model.onnx'), { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  const i64 = (rows: number[][]): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);
  const H = CONFIG.nHead;
  const hd = CONFIG.nEmbd / H;
  const emptyPast = (b: number): Record<string, ort.Tensor> =>
    Object.fromEntries(
      Array.from({ length: CONFIG.nLayer }, (_, l) =>
        ['key', 'value'].map((kv) => [`past_key_values.${l}.${kv}`, new ort.Tensor('float32', new Float32Array(0), [b, H, 0, hd])]),
      ).flat(),
    );
  // The runner's score batches: each distinct prompt once (longest first, right-padded), then the candidates'
  // remaining tokens on a copy of their prompt's cache rows; single-token candidates need no second pass.
  const scorePrompts = items
    .map((item) => {
      const ctx = encode(tokenizer, prompt(item));
      const conts = [item.contextAnswer!, item.parametricAnswer!].map((a) => encode(tokenizer, `${prompt(item)} ${a}`).slice(ctx.length));
      return { ctx, conts };
    })
    .sort((a, b) => b.ctx.length - a.ctx.length);
  const floorScore = async (): Promise<void> => {
    for (let i = 0; i < scorePrompts.length; i += BATCH) {
      const batch = scorePrompts.slice(i, i + BATCH);
      const w = batch[0]!.ctx.length;
      const mask = batch.map(({ ctx }) => [...new Array<number>(ctx.length).fill(1), ...new Array<number>(w - ctx.length).fill(0)]);
      const out = await session.run({
        input_ids: i64(batch.map(({ ctx }) => [...ctx, ...new Array<number>(w - ctx.length).fill(0)])),
        attention_mask: i64(mask),
        position_ids: i64(batch.map(() => [...Array(w).keys()])),
        ...emptyPast(batch.length),
      });
      const rows = batch.flatMap(({ ctx, conts }, b) => conts.filter((c) => c.length > 1).map((c) => ({ b, c, n: ctx.length })));
      if (rows.length === 0) continue;
      const steps = Math.max(...rows.map((r) => r.c.length - 1));
      const past: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(out)) {
        if (!name.startsWith('present')) continue;
        const rowSize = H * w * hd;
        const src = (t as ort.Tensor).data as Float32Array;
        const dst = new Float32Array(rows.length * rowSize);
        rows.forEach((r, k) => dst.set(src.subarray(r.b * rowSize, (r.b + 1) * rowSize), k * rowSize));
        past[name.replace('present', 'past_key_values')] = new ort.Tensor('float32', dst, [rows.length, H, w, hd]);
      }
      await session.run(
        {
          input_ids: i64(rows.map((r) => [...r.c.slice(0, -1), ...new Array<number>(steps - r.c.length + 1).fill(0)])),
          attention_mask: i64(rows.map((r) => [...mask[r.b]!, ...new Array<number>(steps).fill(1)])),
          position_ids: i64(rows.map((r) => Array.from({ length: steps }, (_, j) => r.n + j))),
          ...past,
        },
        ['logits'],
      );
    }
  };
  const genPrompts = items.map((item) => encode(tokenizer, prompt(item))).sort((a, b) => b.length - a.length);
  const floorGenerate = async (): Promise<void> => {
    for (let i = 0; i < genPrompts.length; i += BATCH) {
      const batch = genPrompts.slice(i, i + BATCH);
      const w = batch[0]!.length;
      let ids = batch.map((s) => [...new Array<number>(w - s.length).fill(eos), ...s]);
      const mask = batch.map((s) => [...new Array<number>(w - s.length).fill(0), ...new Array<number>(s.length).fill(1)]);
      let pos = mask.map((row) => {
        let seen = 0;
        return row.map((m) => Math.max(0, (seen += m) - 1));
      });
      let past = emptyPast(batch.length);
      const done = batch.map(() => false);
      for (let step = 0; step < MAX_NEW && !done.every(Boolean); step++) {
        const out = await session.run({ input_ids: i64(ids), attention_mask: i64(mask), position_ids: i64(pos), ...past });
        const logits = out['logits']!;
        const [, S, V] = logits.dims as [number, number, number];
        const data = logits.data as Float32Array;
        const next = batch.map((_, b) => {
          let best = 0;
          const off = (b * S + S - 1) * V;
          for (let v = 1; v < V; v++) if (data[off + v]! > data[off + best]!) best = v;
          if (best === eos) done[b] = true;
          return best;
        });
        past = Object.fromEntries(
          Object.entries(out)
            .filter(([k]) => k.startsWith('present'))
            .map(([k, v]) => [k.replace('present', 'past_key_values'), v as ort.Tensor]),
        );
        ids = next.map((x) => [x]);
        pos = pos.map((p) => [p[p.length - 1]! + 1]);
        for (const m of mask) m.push(1);
      }
    }
  };

  // (a) the naive baseline: transformers.js, one item at a time (the same one bench/runner-sizes.bench.ts runs).
  const sub = items.slice(0, BASELINE_ITEMS);
  const naive = await naiveSides(join(root, 'models'), 'checkpoint-0', MAX_NEW, 'cpu');
  const naiveGenerate = (): Promise<void> => naive.generate(sub.map(prompt));
  const naiveRequests = sub.flatMap((item) => [item.contextAnswer!, item.parametricAnswer!].map((answer) => ({ prompt: prompt(item), continuation: ` ${answer}` })));
  const naiveScore = (): Promise<void> => naive.score(naiveRequests);

  const sides = {
    'runner score': { fn: runner('score'), n: ITEMS },
    'floor score': { fn: floorScore, n: ITEMS },
    'naive score': { fn: naiveScore, n: sub.length },
    'runner generate': { fn: runner('generate'), n: ITEMS },
    'floor generate': { fn: floorGenerate, n: ITEMS },
    'naive generate': { fn: naiveGenerate, n: sub.length },
  };
  const bestMs: Record<string, number> = {};
  await naiveGenerate(); // warm-up of every path once (JIT, onnxruntime arenas)
  await naiveScore();
  await floorScore();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, side] of Object.entries(sides)) {
      const t = performance.now();
      await side.fn();
      bestMs[name] = Math.min(bestMs[name] ?? Infinity, performance.now() - t);
    }
  }
  await session.release();
  await naive.dispose();
  const ips = (name: keyof typeof sides): number => rate(sides[name].n, bestMs[name]!);

  console.log(`\nitems/s, best of ${ROUNDS} interleaved rounds`);
  console.log('mode       runner (whole run)  runner (checkpoint phase)  naive transformers.js 1-by-1  raw session.run floor');
  for (const mode of ['score', 'generate'] as const) {
    const whole = ips(`runner ${mode}`);
    const phase = rate(ITEMS, phaseMs[mode]!);
    const naive = ips(`naive ${mode}`);
    const floor = ips(`floor ${mode}`);
    console.log(`${mode.padEnd(9)} ${fmt(whole)}           ${fmt(phase)}                  ${fmt(naive)}                      ${fmt(floor)}`);
    console.log(
      `  ratios: runner/naive ${(whole / naive).toFixed(2)}x (whole run), ${(phase / naive).toFixed(2)}x (phase); ` +
        `floor/runner ${(floor / whole).toFixed(2)}x (whole run), ${(floor / phase).toFixed(2)}x (phase)`,
    );
  }
  console.log('goals: runner/naive >= 5x; floor/runner <= 1.5x');

  // --- memory over a sweep: one session per checkpoint, released before the next loads ---
  const sweepDir = join(root, 'sweep');
  for (let s = 0; s < SWEEP_CHECKPOINTS; s++) {
    await writeCheckpoint(join(sweepDir, `checkpoint-${s * 50}`), { config: CONFIG, weights: randomGpt2Weights(CONFIG, 100 + s), tokenizer, step: s * 50 });
  }
  const rss: number[] = [];
  const sink: ProgressSink = { ...silent, checkpointDone: (c: CheckpointDone) => void rss.push(c.rssBytes / 2 ** 20) };
  await runBenchmark(
    resolveRunOptions({
      checkpoints: sweepDir,
      dataset: datasetFile,
      out: join(root, 'run-sweep'),
      mode: 'both',
      limit: 40,
      device: 'cpu',
      batchSize: BATCH,
      maxNewTokens: 8,
    }),
    { progress: sink },
  );
  const at = (i: number): string => `${rss[Math.min(i, rss.length - 1)]!.toFixed(0)} MB`;
  console.log(
    `\nmemory over a ${SWEEP_CHECKPOINTS}-checkpoint sweep (rss after each checkpoint): first ${at(0)}, 5th ${at(4)}, last ${at(rss.length - 1)}, max ${Math.max(...rss).toFixed(0)} MB; ` +
      `growth from the 5th to the last: ${(rss[rss.length - 1]! - rss[Math.min(4, rss.length - 1)]!).toFixed(0)} MB`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
