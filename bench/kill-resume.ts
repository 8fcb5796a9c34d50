// Kill test: `npx run benchmark` on the default toy series, SIGKILLed at random moments and resumed each
// time, must end exactly where a clean run ends: as many records, no duplicate key, and the same
// inversion-report.json apart from timings and paths. Anyone can rerun it:
//   npx tsx bench/kill-resume.ts --kills 20 --seed 1 [--limit N] [--keep]
// (--limit N evaluates N items, for a quicker check; the default is the whole default suite.)
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '@cpi-bench/schemas';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const KILLS = Number(arg('kills') ?? 20);
const SEED = Number(arg('seed') ?? 1);
const LIMIT = arg('limit');
const BIN = fileURLToPath(new URL('../packages/runner/bin/run.js', import.meta.url));
// Fields that differ between two identical runs: wall-clock times, paths, versions of the tools.
const VOLATILE = new Set(['createdAt', 'provenance', 'runDir', 'durationMs', 'seconds']);

type Kill = { afterMs: number } | { afterNewRecordsMs: number };

/**
 * Runs `npx run benchmark --out OUT`, SIGKILLed `afterMs` after its start, or `afterNewRecordsMs` after it
 * first appended a record (so that a kill meant for the appends lands there however loaded the machine is).
 */
function benchmark(out: string, kill?: Kill): Promise<{ ms: number; firstRecordMs: number; killedAtMs: number; killed: boolean; code: number | null; stderr: string }> {
  const args = [BIN, 'benchmark', '--out', out, ...(LIMIT ? ['--limit', LIMIT] : [])];
  const file = join(out, 'predictions.jsonl');
  const sizeNow = (): number => statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  const startSize = sizeNow();
  const t0 = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let firstRecordMs = Number.NaN;
  let killedAtMs = Number.NaN;
  let timer: NodeJS.Timeout | undefined;
  const killIn = (ms: number): void => {
    timer = setTimeout(() => {
      killedAtMs = Date.now() - t0;
      child.kill('SIGKILL');
    }, ms);
  };
  if (kill && 'afterMs' in kill) killIn(kill.afterMs);
  const poll = setInterval(() => {
    if (!Number.isNaN(firstRecordMs) || sizeNow() <= startSize) return;
    firstRecordMs = Date.now() - t0;
    if (kill && 'afterNewRecordsMs' in kill) killIn(kill.afterNewRecordsMs);
  }, 20);
  return new Promise((done) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      done({ ms: Date.now() - t0, firstRecordMs, killedAtMs, killed: signal === 'SIGKILL', code, stderr });
    }),
  );
}

async function records(runDir: string): Promise<{ lines: number; keys: string[] }> {
  const text = await readFile(join(runDir, 'predictions.jsonl'), 'utf8').catch(() => '');
  const lines = text.split('\n').filter(Boolean);
  return { lines: lines.length, keys: lines.map((l) => (JSON.parse(l) as { key: string }).key) };
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([k]) => !VOLATILE.has(k)).map(([k, v]) => [k, strip(v)]));
  }
  return value;
}

async function report(runDir: string): Promise<string> {
  return JSON.stringify(strip(JSON.parse(await readFile(join(runDir, 'report', 'inversion-report.json'), 'utf8'))));
}

const root = await mkdtemp(join(tmpdir(), 'cpi-kill-resume-'));
const started = Date.now();
try {
  const clean = join(root, 'clean');
  const resumed = join(root, 'resumed');
  const first = await benchmark(clean);
  if (first.code !== 0) throw new Error(`the clean run failed (exit ${first.code}):\n${first.stderr}`);
  const startup = Number.isNaN(first.firstRecordMs) ? first.ms / 2 : first.firstRecordMs;
  console.log(`clean run: ${(first.ms / 1000).toFixed(1)} s, the first record after ${(startup / 1000).toFixed(1)} s`);
  // A quarter of the kills land at a uniform moment of the startup (loading, the lock, the store's resume);
  // the others at a uniform moment of the next 2 x (working time / kills) after the attempt's first new
  // record (appends, checkpoint switches), so that the attempts together cover the whole run.
  const random = mulberry32(SEED);
  const window = (2 * (first.ms - startup)) / KILLS;
  let kills = 0;
  let finishedEarly = 0;
  let completeRunMs: number | undefined; // how long an attempt takes once every record is stored
  const failures: string[] = [];
  // Until KILLS kills have landed: an attempt that finishes before its kill is not one of them.
  for (let i = 0; kills < KILLS && i < 3 * KILLS; i++) {
    // Once all records are stored, the kills land at a uniform moment of such a run (resume, report).
    const inStartup = completeRunMs !== undefined || random() < 0.25;
    const until = completeRunMs ?? startup;
    const delay = Math.round(inStartup ? 300 + random() * (until - 300) : random() * window);
    const attempt = await benchmark(resumed, inStartup ? { afterMs: delay } : { afterNewRecordsMs: delay });
    const { lines } = await records(resumed);
    if (attempt.killed) kills++;
    else if (attempt.code === 0) {
      finishedEarly++;
      completeRunMs ??= attempt.ms;
    } else failures.push(`attempt ${i + 1} exited ${attempt.code}: ${attempt.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const when = inStartup ? `${(delay / 1000).toFixed(2)} s after its start` : `${(delay / 1000).toFixed(2)} s after its first new record`;
    console.log(`attempt ${String(i + 1).padStart(2)}: ${attempt.killed ? `SIGKILL ${when}` : `exited ${attempt.code} before the kill`}; ${lines} records stored`);
  }
  const last = await benchmark(resumed);
  if (last.code !== 0) failures.push(`the final resume exited ${last.code}: ${last.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const a = await records(clean);
  const b = await records(resumed);
  const duplicates = b.keys.length - new Set(b.keys).size;
  const sameKeys = a.keys.length === b.keys.length && new Set([...a.keys, ...b.keys]).size === a.keys.length;
  const sameReport = (await report(clean)) === (await report(resumed).catch(() => 'missing'));
  const leftovers = (await readdir(resumed, { recursive: true })).filter((f) => /\.tmp\b|\.old$|run\.lock/.test(f));
  const pass = kills === KILLS && failures.length === 0 && a.lines === b.lines && duplicates === 0 && sameKeys && sameReport && leftovers.length === 0;
  console.log(
    [
      `kills: ${kills}/${KILLS} (seed ${SEED}; ${finishedEarly} more attempt(s) finished before their kill)`,
      `records: clean ${a.lines}, killed and resumed ${b.lines}`,
      `duplicate keys: ${duplicates}`,
      `same keys as the clean run: ${sameKeys}`,
      `inversion-report.json identical apart from timings and paths: ${sameReport}`,
      `temp or lock files left in the run folder: ${leftovers.length}`,
      ...failures.map((f) => `failure: ${f}`),
      `total ${((Date.now() - started) / 1000).toFixed(0)} s`,
      pass ? 'PASS' : 'FAIL',
    ].join('\n'),
  );
  process.exitCode = pass ? 0 : 1;
} finally {
  if (!process.argv.includes('--keep')) await rm(root, { recursive: true, force: true });
  else console.log(`kept ${root}`);
}
