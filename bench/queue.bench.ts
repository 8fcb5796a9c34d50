// Scaling of the work queue (BullMQ on a local redis-server) with 1, 2 and 3 `npx run worker` processes on
// this machine, against one `npx run benchmark` process over the same sweep, and the queue's overhead per
// job. Every time is wall clock from the first process start to the report, process starts included, as a
// user sees it. On a 2-core box a third worker has no core of its own: expect 3 workers to gain nothing over 2.
// Run: npx tsx bench/queue.bench.ts [--items N] [--checkpoints N] [--cell-items N]
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildByteLevelTokenizer, randomGpt2Weights, writeCheckpoint, type Gpt2Config } from '@cpi-bench/onnx-gpt2';
import { SCHEMA_VERSION, toJsonl, writeFileAtomic, type ConflictItem } from '@cpi-bench/schemas';
import { findRedisServer, startRedis } from '../packages/runner/test/fixtures/redis.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ITEMS = arg('items', 60);
const CHECKPOINTS = arg('checkpoints', 3);
const CELL_ITEMS = arg('cell-items', 10);
const BIN = fileURLToPath(new URL('../packages/runner/bin/run.js', import.meta.url));
const CONFIG: Gpt2Config = { vocabSize: 384, nPositions: 512, nEmbd: 64, nLayer: 2, nHead: 4 };
const exec = promisify(execFile);

function items(n: number): ConflictItem[] {
  const countries = ['France', 'Spain', 'Italy', 'Peru', 'Japan', 'Kenya'];
  const cities = ['Paris', 'Madrid', 'Rome', 'Lima', 'Tokyo', 'Nairobi'];
  return Array.from({ length: n }, (_, i) => ({
    schemaVersion: SCHEMA_VERSION,
    id: `bench-${i}`,
    dataset: 'bench',
    category: 'country_capital',
    groupId: `g-${i}`,
    split: 'conflict',
    context: `In ${2020 + (i % 6)} the capital of ${countries[i % 6]} moved to ${cities[(i + 1) % 6]}.`,
    question: `What is the capital of ${countries[i % 6]}?`,
    contextAnswer: cities[(i + 1) % 6]!,
    parametricAnswer: cities[i % 6]!,
    provenance: { source: 'bench' },
  })) as ConflictItem[];
}

const binary = findRedisServer();
if (!binary) {
  console.log('skipped: redis-server is not installed (apt-get install -y redis-server)');
  process.exit(0);
}
const loadAtStart = loadavg()[0]!;
const root = await mkdtemp(join(tmpdir(), 'cpi-queue-bench-'));
await mkdir(join(root, 'redis'));
const redis = await startRedis(binary, join(root, 'redis'));
try {
  const tokenizer = buildByteLevelTokenizer({ corpus: ['The capital of France is Paris.'], vocabSize: CONFIG.vocabSize });
  for (let c = 0; c < CHECKPOINTS; c++) {
    await writeCheckpoint(join(root, 'series', `checkpoint-${c * 10}`), { config: CONFIG, weights: randomGpt2Weights(CONFIG, 7 + c), tokenizer, step: c * 10 });
  }
  const dataset = join(root, 'items.jsonl');
  await writeFileAtomic(dataset, toJsonl(items(ITEMS)));
  const common = ['--checkpoints', join(root, 'series'), '--dataset', dataset, '--device', 'cpu', '--threads', '1', '--max-new-tokens', '8'];

  const t0 = Date.now();
  await exec(process.execPath, [BIN, 'benchmark', ...common, '--out', join(root, 'single'), '--json']);
  const single = (Date.now() - t0) / 1000;

  const rows: { workers: number; seconds: number; jobs: number }[] = [];
  for (const workers of [1, 2, 3]) {
    const name = `bench-${workers}`;
    const start = Date.now();
    const { stdout } = await exec(process.execPath, [BIN, 'enqueue', '--queue', redis.url, '--name', name, ...common, '--out', join(root, `queue-${workers}`), '--cell-items', String(CELL_ITEMS), '--json']);
    const { cells } = (JSON.parse(stdout) as { enqueue: { cells: number } }).enqueue;
    await Promise.all(
      Array.from({ length: workers }, () =>
        new Promise<void>((done, fail) =>
          spawn(process.execPath, [BIN, 'worker', '--queue', redis.url, '--name', name, '--exit-when-drained'], { stdio: 'ignore' }).on('exit', (code) =>
            code === 0 ? done() : fail(new Error(`worker exited with ${code}`)),
          ),
        ),
      ),
    );
    rows.push({ workers, seconds: (Date.now() - start) / 1000, jobs: cells + 1 });
  }

  const base = rows[0]!.seconds;
  console.log(`sweep: ${CHECKPOINTS} checkpoints x ${ITEMS} items x 2 modes, ${CELL_ITEMS} items per job; ${availableParallelism()} CPU core(s), load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`);
  console.log('each worker is two processes (the worker and its sandboxed child), each loading Node and onnxruntime: on a tiny sweep that start-up, not inference, is what more workers add');
  console.log(`single process (npx run benchmark): ${single.toFixed(1)} s`);
  console.log('workers | seconds | speed-up vs 1 worker | jobs (cells + merge)');
  for (const r of rows) console.log(`${String(r.workers).padStart(7)} | ${r.seconds.toFixed(1).padStart(7)} | ${(base / r.seconds).toFixed(2).padStart(20)} | ${r.jobs}`);
  console.log(`overhead per job, 1 worker against the single process: ${(((base - single) / rows[0]!.jobs) * 1000).toFixed(0)} ms (process starts, Redis round trips, planning in the sandboxed child, the merge)`);
} finally {
  await redis.stop();
  await rm(root, { recursive: true, force: true });
}
