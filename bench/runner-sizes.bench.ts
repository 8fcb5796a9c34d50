// Speed of the runner at two model sizes, three columns each, measured side by side in one process:
// the naive baseline (transformers.js, one item at a time), the runner, and the raw floor (hand-batched
// session.run on the exact requests the runner made, same batch size). Prints ratios, PASS/FAIL against the
// goals of issue 16 and a profile of where the runner's time goes; --json writes it all for the README.
// Models are GPT-2 shapes with random weights built here (nothing downloaded); items are sampled from the
// default suite, so prompt lengths follow its distribution.
// Run: npx tsx --conditions=source bench/runner-sizes.bench.ts [--quick] [--sizes tiny,70m] [--rounds N]
//      [--batch N] [--device cpu|cuda] [--sweep N] [--json file]
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildByteLevelTokenizer, randomGpt2Weights, tokenId, writeCheckpoint, type Gpt2Config, type TokenizerJson } from '@cpi-bench/onnx-gpt2';
import { backendProfile, loadCheckpointSeries, loadOnnxModel, resolveRunOptions, runBenchmark, PHASES, type CheckpointDone, type LanguageModel, type ProgressSink, type RunDependencies } from '@cpi-bench/runner';
import { mulberry32, toJsonl, type ConflictItem } from '@cpi-bench/schemas';
import { floorSides, naiveSides, type Recorded } from './runner-sizes-sides.ts';
import type { ModeResult, RunnerSizesReport } from './runner-sizes-report.ts';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const QUICK = flag('quick');
const ROUNDS = Number(opt('rounds') ?? (QUICK ? 2 : 3));
const BATCH = Number(opt('batch') ?? 8);
const DEVICE = (opt('device') ?? 'cpu') as 'cpu' | 'cuda';
const SWEEP = Number(opt('sweep') ?? 0);
const JSON_OUT = opt('json');
/** One onnxruntime thread per side by default: with the process's CPU time as the clock, a 2-core machine
 * shared with other work still gives stable ratios (wall time there swings 2x between identical runs). */
const THREADS = Number(opt('threads') ?? 1);
/** CPU time (user + system, every thread of the process) on the CPU; wall time on a GPU. */
const CLOCK: 'cpu' | 'wall' = (opt('clock') as 'cpu' | 'wall' | undefined) ?? (DEVICE === 'cpu' ? 'cpu' : 'wall');
const now = (): number => {
  if (CLOCK === 'wall') return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Size {
  name: 'tiny' | '70m';
  label: string;
  config: Gpt2Config;
  tokenizerVocab: number;
  items: number;
  baselineItems: number;
  maxNew: number;
}
const SIZES: Size[] = [
  {
    name: 'tiny',
    label: 'tiny GPT-2 (2 layers, d64, vocab 384): overhead-bound',
    config: { vocabSize: 384, nPositions: 2048, nEmbd: 64, nLayer: 2, nHead: 4 },
    tokenizerVocab: 384,
    items: Number(opt('tiny-items') ?? (QUICK ? 160 : 1000)),
    baselineItems: QUICK ? 24 : 100,
    maxNew: 16,
  },
  {
    name: '70m',
    label: 'Pythia-70m shape (6 layers, d512, 8 heads, vocab 50304): compute-bound',
    config: { vocabSize: 50304, nPositions: 2048, nEmbd: 512, nLayer: 6, nHead: 8 },
    tokenizerVocab: 2048,
    items: Number(opt('70m-items') ?? (QUICK ? 16 : 64)),
    baselineItems: QUICK ? 4 : 12,
    maxNew: QUICK ? 8 : 16,
  },
].filter((s) => (opt('sizes') ?? 'tiny,70m').split(',').includes(s.name)) as Size[];

const GOALS = { floorRatio: 1.2, naiveScore70m: 5, naiveGenerate70m: 3 };
const silent: ProgressSink = { start() {}, advance() {}, checkpointDone() {}, notice() {}, stop() {} };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const paramsOf = (c: Gpt2Config): number => c.vocabSize * c.nEmbd + c.nPositions * c.nEmbd + c.nLayer * (12 * c.nEmbd ** 2 + 13 * c.nEmbd) + 2 * c.nEmbd;

/** Items sampled (seeded) from every file of the default suite, so prompt lengths follow its distribution. */
async function suiteSample(n: number): Promise<ConflictItem[]> {
  const dir = new URL('../datasets/default/', import.meta.url);
  const all: ConflictItem[] = [];
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.jsonl')).sort()) all.push(...(await readFile(new URL(f, dir), 'utf8')).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as ConflictItem));
  const rand = mulberry32(16);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, n);
}

/** A loadModel that records the runner's requests and times its load and its model calls. */
function recordingLoader(rec: Recorded, clock: { loadMs: number; modelMs: number; device: string; loaded: number; disposed: number }): RunDependencies {
  return {
    progress: silent,
    loadModel: async (files, options) => {
      const t0 = now();
      const model = await loadOnnxModel(files, options);
      clock.loaded = now();
      clock.loadMs += clock.loaded - t0;
      clock.device = model.device;
      const timed = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, record: (...a: A) => void) => async (...a: A): Promise<R> => {
        record(...a);
        const t = now();
        try {
          return await fn(...a);
        } finally {
          clock.modelMs += now() - t;
        }
      };
      const wrapped: LanguageModel = Object.create(model);
      wrapped.scoreContinuations = timed(model.scoreContinuations.bind(model), (requests) => rec.score.push(...requests));
      wrapped.generate = timed(model.generate.bind(model), (prompts) => rec.generate.push(...prompts));
      wrapped.dispose = async () => {
        await model.dispose();
        clock.disposed = now();
      };
      return wrapped;
    },
  };
}

type Mode = 'score' | 'generate';

async function benchSize(root: string, size: Size, items: ConflictItem[]): Promise<{ size: Size; params: number; device: string; modes: Record<Mode, ModeResult> }> {
  const dir = join(root, size.name);
  const tokenizer: TokenizerJson = buildByteLevelTokenizer({ corpus: items.slice(0, 200).map((i) => `${i.context ?? ''} ${i.question ?? ''} ${i.contextAnswer}`), vocabSize: size.tokenizerVocab });
  const modelDir = join(dir, 'models', 'checkpoint-0');
  await writeCheckpoint(modelDir, { config: size.config, weights: randomGpt2Weights(size.config, 11), tokenizer, step: 0 });
  const dataset = join(dir, 'items.jsonl');
  await writeFile(dataset, toJsonl(items.slice(0, size.items)));
  console.log(`\n== ${size.label}; ${paramsOf(size.config) / 1e6 >= 1 ? (paramsOf(size.config) / 1e6).toFixed(1) + 'M' : (paramsOf(size.config) / 1e3).toFixed(0) + 'k'} params; ${size.items} items (naive: ${size.baselineItems}), batch ${BATCH}, ${size.maxNew} new tokens; ${DEVICE}`);

  let runs = 0;
  const rec: Recorded = { score: [], generate: [] };
  const runnerRound = async (mode: Mode, record: Recorded) => {
    const clock = { loadMs: 0, modelMs: 0, device: '', loaded: 0, disposed: 0 };
    backendProfile.reset();
    const t0 = now();
    const summary = await runBenchmark(
      resolveRunOptions({ checkpoints: modelDir, dataset, out: join(dir, `run-${runs++}`), mode, device: DEVICE, threads: THREADS, batchSize: BATCH, maxNewTokens: size.maxNew, stop: [] }),
      recordingLoader(record, clock),
    );
    const wholeMs = now() - t0;
    if (summary.checkpoints.some((c) => c.failed > 0 || c.error)) throw new Error(`the runner failed items: ${JSON.stringify(summary.checkpoints)}`);
    // The checkpoint phase on this bench's clock: from the start of the session load to its release.
    const phaseMs = clock.disposed - (clock.loaded - clock.loadMs);
    const phases = Object.fromEntries(PHASES.map((p) => [p, backendProfile.ms[p]]));
    const inBackend = PHASES.reduce((t, p) => t + backendProfile.ms[p], 0);
    const profile = {
      'run setup (hashing, dataset, plan) and close': wholeMs - phaseMs,
      'session load + probe': clock.loadMs,
      ...phases,
      'other model-call JS': clock.modelMs - inBackend,
      'records, store writes, rest': phaseMs - clock.loadMs - clock.modelMs,
    };
    return { wholeMs, inferMs: phaseMs - clock.loadMs, device: clock.device, profile };
  };

  // Warm-up round of each side: records the runner's requests, JIT, onnxruntime arenas.
  backendProfile.enabled = true;
  backendProfile.clock = now;
  const warm = { score: await runnerRound('score', rec), generate: await runnerRound('generate', rec) };
  const session = await ort.InferenceSession.create(join(modelDir, 'model.onnx'), {
    executionProviders: [DEVICE],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    intraOpNumThreads: THREADS,
    interOpNumThreads: 1,
  });
  const probeModel = await loadOnnxModel((await loadCheckpointSeries(modelDir))[0]!.files, { device: DEVICE });
  const floor = floorSides(session, probeModel, rec, {
    nLayer: size.config.nLayer,
    nHead: size.config.nHead,
    headDim: size.config.nEmbd / size.config.nHead,
    eos: tokenId(tokenizer),
    maxNew: size.maxNew,
    batch: BATCH,
  });
  await probeModel.dispose();
  const naive = await naiveSides(join(dir, 'models'), 'checkpoint-0', size.maxNew, DEVICE, THREADS);
  // The naive side runs the first baselineItems items: their requests are the first ones recorded.
  const naivePrompts = [...new Set(rec.score.map((r) => r.prompt))].slice(0, size.baselineItems);
  const naiveScore = rec.score.filter((r) => naivePrompts.includes(r.prompt));
  const naiveGen = rec.generate.slice(0, size.baselineItems);
  await floor.score();
  await floor.generate();
  await naive.score(naiveScore.slice(0, 2));
  await naive.generate(naiveGen.slice(0, 1));

  const times: Record<string, number[]> = {};
  const runnerRounds: Record<Mode, Awaited<ReturnType<typeof runnerRound>>[]> = { score: [warm.score], generate: [warm.generate] };
  const time = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
    const t = now();
    await fn();
    (times[name] ??= []).push(now() - t);
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['score', 'generate'] as const) {
      runnerRounds[mode].push(await runnerRound(mode, { score: [], generate: [] }));
      await time(`floor ${mode}`, floor[mode]);
      await time(`naive ${mode}`, () => (mode === 'score' ? naive.score(naiveScore) : naive.generate(naiveGen)));
    }
    process.stdout.write(`  round ${round + 1}/${ROUNDS} done\n`);
  }
  backendProfile.enabled = false;
  await session.release();
  await naive.dispose();

  const modes = {} as Record<Mode, ModeResult>;
  for (const mode of ['score', 'generate'] as const) {
    const timed = runnerRounds[mode].slice(1);
    const mid = [...timed].sort((a, b) => a.inferMs - b.inferMs)[Math.floor((timed.length - 1) / 2)]!;
    const ips = {
      runner: size.items / (mid.inferMs / 1000),
      runnerWholeRun: size.items / (median(timed.map((r) => r.wholeMs)) / 1000),
      floor: size.items / (median(times[`floor ${mode}`]!) / 1000),
      naive: size.baselineItems / (median(times[`naive ${mode}`]!) / 1000),
    };
    const floorRatio = ips.floor / ips.runner;
    const naiveRatio = ips.runner / ips.naive;
    const naiveGoal = size.name === '70m' ? (mode === 'score' ? GOALS.naiveScore70m : GOALS.naiveGenerate70m) : null;
    modes[mode] = {
      itemsPerSecond: ips,
      floorRatio,
      naiveRatio,
      pass: { floor: floorRatio <= GOALS.floorRatio, naive: naiveGoal === null ? null : naiveRatio >= naiveGoal },
      profile: mid.profile,
    };
  }
  return { size, params: paramsOf(size.config), device: warm.score.device, modes };
}

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1)).padStart(8);
const verdict = (ok: boolean | null): string => (ok === null ? '' : ok ? 'PASS' : 'FAIL');

const root = await mkdtemp(join(tmpdir(), 'cpi-runner-sizes-'));
try {
  const load = { before: loadavg()[0]!, cores: (await import('node:os')).cpus().length };
  const items = await suiteSample(Math.max(...SIZES.map((s) => s.items), 200));
  const results = [];
  for (const size of SIZES) {
    const r = await benchSize(root, size, items);
    results.push(r);
    console.log(`items per ${CLOCK === 'cpu' ? 'CPU-second' : 'second'} (median of ${ROUNDS} interleaved rounds, ${THREADS} onnxruntime thread(s); runner = its checkpoint phase without the session load)`);
    console.log('mode        runner  runner(whole run)  naive 1-by-1     floor   floor/runner        runner/naive');
    for (const mode of ['score', 'generate'] as const) {
      const m = r.modes[mode];
      const i = m.itemsPerSecond;
      console.log(
        `${mode.padEnd(9)}${fmt(i.runner)}           ${fmt(i.runnerWholeRun)}${fmt(i.naive)}  ${fmt(i.floor)}   ${m.floorRatio.toFixed(2)}x ${verdict(m.pass.floor).padEnd(4)}` +
          `     ${m.naiveRatio.toFixed(2)}x ${verdict(m.pass.naive)}`,
      );
    }
    for (const mode of ['score', 'generate'] as const) {
      const p = r.modes[mode].profile;
      const total = Object.values(p).reduce((a, b) => a + b, 0);
      console.log(`  profile ${mode} (${total.toFixed(0)} ms): ` + Object.entries(p).map(([k, v]) => `${k} ${((100 * v) / total).toFixed(0)}%`).join(', '));
    }
  }
  let sweep: { checkpoints: number; rssMB: { first: number; max: number; last: number } } | undefined;
  if (SWEEP > 0) sweep = await memorySweep(root, items, SWEEP);
  const report: RunnerSizesReport = {
    goals: GOALS,
    machine: { cores: load.cores, loadAverage1m: { before: load.before, after: loadavg()[0]! }, device: DEVICE, clock: CLOCK, threads: THREADS },
    rounds: ROUNDS,
    batch: BATCH,
    quick: QUICK,
    sizes: results.map((r) => ({ name: r.size.name, label: r.size.label, params: r.params, items: r.size.items, baselineItems: r.size.baselineItems, maxNewTokens: r.size.maxNew, device: r.device, modes: r.modes })),
    ...(sweep ? { sweep } : {}),
  };
  console.log(`\nload average (1 min) before/after: ${load.before.toFixed(1)} / ${report.machine.loadAverage1m.after.toFixed(1)} on ${load.cores} cores`);
  if (JSON_OUT) await writeFile(JSON_OUT, JSON.stringify(report, null, 2) + '\n');
} finally {
  await rm(root, { recursive: true, force: true });
}

/** RSS after each checkpoint of a sweep of 70M checkpoints (distinct weights), a few items each, both modes. */
async function memorySweep(root: string, items: ConflictItem[], n: number) {
  const size = SIZES.find((s) => s.name === '70m') ?? { config: { vocabSize: 50304, nPositions: 2048, nEmbd: 512, nLayer: 6, nHead: 8 }, tokenizerVocab: 2048 };
  const tokenizer = buildByteLevelTokenizer({ corpus: items.slice(0, 200).map((i) => `${i.context ?? ''} ${i.question ?? ''}`), vocabSize: size.tokenizerVocab });
  const dir = join(root, 'sweep');
  for (let s = 0; s < n; s++) await writeCheckpoint(join(dir, 'series', `checkpoint-${s * 50}`), { config: size.config, weights: randomGpt2Weights(size.config, 100 + s), tokenizer, step: s * 50 });
  const dataset = join(dir, 'items.jsonl');
  await writeFile(dataset, toJsonl(items.slice(0, 4)));
  const rss: number[] = [];
  const sink: ProgressSink = { ...silent, checkpointDone: (c: CheckpointDone) => void rss.push(c.rssBytes / 2 ** 20) };
  await runBenchmark(resolveRunOptions({ checkpoints: join(dir, 'series'), dataset, out: join(dir, 'run'), mode: 'both', device: DEVICE, threads: THREADS, batchSize: BATCH, maxNewTokens: 4 }), { progress: sink });
  const rssMB = { first: rss[0]!, max: Math.max(...rss), last: rss[rss.length - 1]! };
  console.log(`\nmemory over a ${n}-checkpoint 70M sweep (rss after each checkpoint): first ${rssMB.first.toFixed(0)} MB, max ${rssMB.max.toFixed(0)} MB, last ${rssMB.last.toFixed(0)} MB`);
  return { checkpoints: n, rssMB };
}
