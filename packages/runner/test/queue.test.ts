// The work queue on a real Redis: `npx run enqueue`, then three `npx run worker` processes over a tiny real
// series, one SIGKILLed (with its sandboxed child) mid-job. Its job stalls, returns to the queue and is done
// by another worker; the merge job (a BullMQ flow) writes one record per key and the inversion-report.json
// of a single-process run. Enqueueing the same sweep again adds nothing.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeItems, makeSeries, storedRecords, tempDir, writeItems } from './fixtures/checkpoints.ts';
import { findRedisServer, redisRequired, startRedis, type RedisServer } from './fixtures/redis.ts';
import { comparableReport } from './fixtures/reports.ts';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const QUEUE_TIMEOUT_MS = 150_000;
/** Short locks so a dead worker's job returns within seconds (the default is 30 s). */
const LOCK_MS = 2_000;
const exec = promisify(execFile);

const binary = findRedisServer();
let root: { dir: string; cleanup: () => Promise<void> };
let redis: RedisServer | undefined;
let series: string;
let dataset: string;

beforeAll(async () => {
  root = await tempDir('cpi-queue-');
  if (!binary) return;
  await mkdir(join(root.dir, 'redis'));
  redis = await startRedis(binary, join(root.dir, 'redis'));
  series = join(root.dir, 'series');
  await makeSeries(series, [0, 10, 20]);
  dataset = await writeItems(join(root.dir, 'items.jsonl'), makeItems(24));
});
afterAll(async () => {
  await redis?.stop();
  await root.cleanup();
});

const common = (): string[] => ['--checkpoints', series, '--dataset', dataset, '--device', 'cpu', '--batch-size', '2', '--max-new-tokens', '8', '--threads', '1'];

function worker(url: string): { child: ChildProcess; stderr: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  // Its own process group, so that a kill takes the sandboxed child with it, as when a machine dies.
  const child = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--lock-ms', String(LOCK_MS), '--exit-when-drained'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  return { child, stderr: () => stderr, exited };
}

describe('npx run enqueue + npx run worker (BullMQ on Redis)', () => {
  it(
    'three workers, one killed mid-job: one record per key and the single run\'s report',
    async (ctx) => {
      if (!redis) {
        const why = 'redis-server is not installed (apt-get install -y redis-server), so the queue cannot be tested here';
        if (redisRequired()) throw new Error(`${why}; CI must run this test`);
        console.warn(`skipped: ${why}`);
        return ctx.skip();
      }
      const single = join(root.dir, 'single', 'sweep');
      const queued = join(root.dir, 'queued', 'sweep');
      await exec(process.execPath, [BIN, 'benchmark', ...common(), '--out', single, '--json'], { timeout: QUEUE_TIMEOUT_MS });

      const enqueue = async (): Promise<{ added: boolean; cells: number; sweepId: string }> =>
        (JSON.parse((await exec(process.execPath, [BIN, 'enqueue', '--queue', redis!.url, ...common(), '--out', queued, '--cell-items', '2', '--json'], { timeout: QUEUE_TIMEOUT_MS })).stdout) as { enqueue: { added: boolean; cells: number; sweepId: string } }).enqueue;
      const first = await enqueue();
      expect(first).toMatchObject({ added: true, cells: 3 * 12 });

      const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
      const events = new QueueEvents('cpi-bench', { connection: connection.duplicate() });
      await events.waitUntilReady();
      const stalled: string[] = [];
      events.on('stalled', ({ jobId }) => stalled.push(jobId));
      try {
        const workers = [worker(redis.url), worker(redis.url), worker(redis.url)];
        // Killed once its first job is done and it has taken the next (its second "active" line): it then
        // holds a job's lock, so that job must stall and return to the queue. Waiting for the line, not for
        // time, keeps this true on a loaded machine.
        await new Promise<void>((killed) => {
          const poll = setInterval(() => {
            const said = workers[0]!.stderr();
            if (!/^done /m.test(said) || (said.match(/^active /gm) ?? []).length < 2) return;
            clearInterval(poll);
            process.kill(-workers[0]!.child.pid!, 'SIGKILL');
            killed();
          }, 5);
        });
        const ends = await Promise.all(workers.map((w) => w.exited));
        expect(ends[0]!.signal).toBe('SIGKILL');
        for (const end of ends.slice(1)) expect(end.code).toBe(0);
        expect(stalled.length, 'the killed worker held no job, so nothing stalled').toBeGreaterThan(0);
        // The sandboxed child outlives its job: the next cell of the same checkpoint reuses the loaded model.
        expect(workers.slice(1).map((w) => w.stderr()).join('')).toContain('"reusedModel":true');

        const queue = new Queue('cpi-bench', { connection });
        const merge = await queue.getJob(`${first.sweepId}-merge`);
        expect(await merge!.getState()).toBe('completed');
        await queue.close();
      } finally {
        await events.close();
        connection.disconnect();
      }

      const keys = (await storedRecords(queued)).map((r) => r.key);
      const singleKeys = (await storedRecords(single)).map((r) => r.key);
      expect(keys.length).toBe(24 * 3 * 2);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toEqual(singleKeys);
      expect(await comparableReport(queued)).toEqual(await comparableReport(single));

      // Deterministic job ids: the same sweep enqueued again adds nothing.
      expect(await enqueue()).toMatchObject({ added: false, sweepId: first.sweepId });
    },
    QUEUE_TIMEOUT_MS,
  );
});
