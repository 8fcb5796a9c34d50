// The run lock under real concurrency: two child processes call acquireRunLock at the same instant, many
// rounds, for a fresh folder and for one holding a dead process's lock. Exactly one must win every round
// (the old lock let both win: its file existed, empty, before the pid was written).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireRunLock } from '../src/index.ts';
import { tempDir } from './fixtures/checkpoints.ts';

const WORKER = fileURLToPath(new URL('./fixtures/lock-worker.ts', import.meta.url));
const ROUNDS = 150;
const RACE_TIMEOUT_MS = 120_000;
type Reply = { ready?: true; won?: boolean; code?: string; tookOver?: number | null; released?: true };

let root: { dir: string; cleanup: () => Promise<void> };
let workers: ChildProcess[] = [];
let deadPid: number;

function next(worker: ChildProcess, want: (r: Reply) => boolean): Promise<Reply> {
  return new Promise((done, fail) => {
    const onMessage = (r: Reply): void => {
      if (!want(r)) return;
      worker.off('message', onMessage);
      done(r);
    };
    worker.on('message', onMessage);
    worker.once('exit', (code) => fail(new Error(`lock worker exited (${code})`)));
  });
}

beforeAll(async () => {
  root = await tempDir('cpi-lock-');
  workers = [0, 1].map(() => fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  await Promise.all(workers.map((w) => next(w, (r) => r.ready === true)));
  const child = spawn(process.execPath, ['-e', '']);
  deadPid = child.pid!;
  await new Promise((done) => child.on('exit', done));
}, RACE_TIMEOUT_MS);
afterAll(async () => {
  for (const w of workers) w.kill();
  await root.cleanup();
});

async function race(prepare: (dir: string) => Promise<void>): Promise<{ winners: number[]; codes: string[] }> {
  const winners: number[] = [];
  const codes: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const dir = join(root.dir, `${prepare.name}-${round}`);
    await mkdir(dir, { recursive: true });
    await prepare(dir);
    const at = Date.now() + 15;
    const replies = await Promise.all(
      workers.map((w) => {
        const reply = next(w, (r) => r.won !== undefined);
        w.send({ dir, at });
        return reply;
      }),
    );
    winners.push(replies.filter((r) => r.won).length);
    codes.push(...replies.filter((r) => !r.won).map((r) => r.code!));
    await Promise.all(
      workers.map((w, i) => {
        if (!replies[i]!.won) return;
        const released = next(w, (r) => r.released === true);
        w.send({ release: true });
        return released;
      }),
    );
  }
  return { winners, codes };
}

describe('the run lock, two processes racing', () => {
  it(
    `for a fresh lock: exactly one wins in each of ${ROUNDS} rounds`,
    async () => {
      const { winners, codes } = await race(async function fresh() {});
      expect(winners.filter((n) => n !== 1)).toEqual([]);
      expect(new Set(codes)).toEqual(new Set(['CPI_RUN_LOCKED']));
    },
    RACE_TIMEOUT_MS,
  );

  it(
    `for a stale lock (its pid is dead): exactly one takes it over in each of ${ROUNDS} rounds`,
    async () => {
      const { winners } = await race(async function stale(dir) {
        await writeFile(join(dir, 'run.lock'), `${deadPid}\n`);
      });
      expect(winners.filter((n) => n !== 1)).toEqual([]);
    },
    RACE_TIMEOUT_MS,
  );
});

describe('release()', () => {
  it('removes only its own lock', async () => {
    const dir = join(root.dir, 'own');
    await mkdir(dir);
    const lock = await acquireRunLock(dir);
    const content = await readFile(lock.file, 'utf8');
    expect(content.startsWith(`${process.pid}\n`)).toBe(true);
    // Someone else's lock now stands in its place (e.g. after this run's lock was wrongly judged stale).
    await writeFile(lock.file, `${deadPid}\nsomeone-else\n`);
    await lock.release();
    expect(await readFile(lock.file, 'utf8')).toBe(`${deadPid}\nsomeone-else\n`);
  });
});
