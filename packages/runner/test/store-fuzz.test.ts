// Fuzz of the run-store reader: 10,000 mutated JSONL lines (bit flips, cuts, deep nesting, huge numbers,
// multi-megabyte strings, invalid UTF-8, NULs, BOMs, proto keys) through openPredictionStore. Nothing but a
// CpiError may escape, no file may take long, and every valid record must be kept (one per key).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCpiError, isValid, mulberry32, SCHEMA_VERSION, type PredictionRecord } from '@cpi-bench/schemas';
import { openPredictionStore } from '../src/index.ts';
import { tempDir } from './fixtures/checkpoints.ts';

const FILES = 20;
const LINES_PER_FILE = 500;
const FUZZ_TIMEOUT_MS = 60_000;
/** Slowest file allowed: a reader that is linear in its input reads 500 lines in milliseconds. */
const SLOWEST_FILE_MS = 10_000;

let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => void (root = await tempDir('cpi-store-fuzz-')));
afterAll(() => root.cleanup());

const hex = (random: () => number, n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');

function validRecord(random: () => number, i: number): PredictionRecord {
  const head = {
    schemaVersion: SCHEMA_VERSION,
    key: hex(random, 64),
    itemId: `item-${i}`,
    split: (['conflict', 'aligned', 'closed_book', 'unknown_subject'] as const)[i % 4]!,
    step: i % 7,
    modelHash: hex(random, 64),
    tokenizerHash: hex(random, 64),
    template: 'plain',
    durationMs: random() * 10,
  };
  const kind = i % 3;
  if (kind === 0) return { ...head, mode: 'score', ok: true, candidates: [{ role: 'context', text: 'Lyon', logprob: -random() * 9, tokenCount: 1, greedy: false }] } as PredictionRecord;
  if (kind === 1) return { ...head, mode: 'generate', ok: true, generation: { text: 'Lyon é 漢 \u{1F600}', tokenCount: 3, stopReason: 'eos' } } as PredictionRecord;
  return { ...head, mode: 'score', ok: false, error: { code: 'CPI_X', message: 'failed' }, attempt: 1 + (i % 3) } as PredictionRecord;
}

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

/** One mutation of a valid line (as bytes: some mutations are not UTF-8). */
function mutate(line: string, random: () => number): Buffer {
  const at = Math.floor(random() * line.length);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  switch (Math.floor(random() * 16)) {
    case 0:
      return Buffer.from(line); // unchanged: must be kept
    case 1: {
      const b = Buffer.from(line);
      const i = Math.floor(random() * b.length);
      b[i] = b[i]! ^ (1 << Math.floor(random() * 8)); // a bit flip, often invalid UTF-8
      return b;
    }
    case 2:
      return Buffer.from(line.slice(0, at)); // cut
    case 3:
      return Buffer.from(line.slice(0, at) + line.slice(at + 1 + Math.floor(random() * 20))); // a span deleted
    case 4:
      return Buffer.from(line.slice(0, at) + pick(['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', '\r', '\uFEFF', '\uD800']) + line.slice(at));
    case 5:
      return Buffer.from(line.replace(/"durationMs":[^,}]+/, `"durationMs":${nested(random() < 0.1 ? 100_000 : 2_000)}`)); // deep nesting
    case 6:
      return Buffer.from(line.replace(/"step":\d+/, `"step":${pick(['1e999999', '-1', '1.5', '123456789012345678901234567890', '-0', '9007199254740993'])}`));
    case 7:
      return Buffer.from(line.replace(/"itemId":"[^"]*"/, `"itemId":"${'x'.repeat(random() < 0.02 ? 3_000_000 : 5_000)}"`)); // long strings
    case 8:
      return Buffer.from(line.replace('"schemaVersion"', pick(['"__proto__"', '"constructor"', '"schemaVersion2"'])));
    case 9:
      return Buffer.from(line.replace(/"ok":(true|false)/, pick(['"ok":null', '"ok":"true"', '"ok":1', '"ok":true', '"ok":false'])));
    case 10:
      return Buffer.from(pick(['', '   ', '\uFEFF' + line, 'null', '[]', '{}', '"text"', '0', 'true', line + line, line.replace(/,/g, ',\n')]));
    case 11:
      return Buffer.concat([Buffer.from(line.slice(0, at)), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from(line.slice(at))]);
    case 12:
      return Buffer.from(line.replace(/"key":"[0-9a-f]{64}"/, pick(['"key":"abc"', '"key":null', `"key":"${'A'.repeat(64)}"`])));
    case 13:
      return Buffer.from(line.replace(/"candidates":\[/, `"candidates":[${nested(50)},`));
    case 14:
      return Buffer.from(line.replace(/"error":\{/, '"error":{"extra":1,'));
    default:
      return Buffer.from(line.replace(/\}$/, `,"attempt":${pick(['0', '4', '1e3', '"2"', '-1'])}}`));
  }
}

describe('the run-store reader under fuzzed input', () => {
  it(
    `reads ${FILES * LINES_PER_FILE} mutated lines: no exception but CpiError, no hang, every valid record kept`,
    async () => {
      const random = mulberry32(7);
      let crashes = 0;
      let slowest = 0;
      let lines = 0;
      const examples: string[] = [];
      for (let f = 0; f < FILES; f++) {
        const dir = join(root.dir, `run-${f}`);
        await mkdir(dir);
        const chunks: Buffer[] = [];
        for (let i = 0; i < LINES_PER_FILE; i++) {
          chunks.push(mutate(JSON.stringify(validRecord(random, f * LINES_PER_FILE + i)), random), Buffer.from('\n'));
          lines++;
        }
        if (random() < 0.5) chunks.pop(); // an unterminated last line, half the time
        const bytes = Buffer.concat(chunks);
        await writeFile(join(dir, 'predictions.jsonl'), bytes);
        // What a correct reader keeps: every line that is a valid record, the last one of each key.
        const valid = new Set<string>();
        for (const text of bytes.toString('utf8').split('\n')) {
          try {
            const value = JSON.parse(text) as PredictionRecord;
            if (isValid('predictionRecord', value)) valid.add(value.key);
          } catch {
            // not a record
          }
        }
        const t0 = performance.now();
        let opened: Awaited<ReturnType<typeof openPredictionStore>> | undefined;
        let reopened: Awaited<ReturnType<typeof openPredictionStore>> | undefined;
        let size = 0;
        try {
          opened = await openPredictionStore(dir, { resume: true, supersedes: (r) => r.step === 6 && r.itemId.endsWith('6') });
          opened.store.persistentFailures();
          size = opened.store.size;
          // The reopened store reads back what the first open rewrote, and appends stay whole lines.
          await opened.store.append([validRecord(random, 10 ** 6 + f)]);
          reopened = await openPredictionStore(dir, { resume: true });
        } catch (error) {
          if (!isCpiError(error)) {
            crashes++;
            if (examples.length < 3) examples.push(String((error as Error)?.stack ?? error).slice(0, 300));
          }
        }
        if (opened && reopened) {
          const superseded = [...valid].filter((k) => !opened.store.has(k) && opened.store.failedAttempts(k) === 0).length;
          expect(size + superseded, `file ${f}`).toBe(valid.size);
          expect(reopened.store.size, `file ${f}, reopened`).toBe(size + 1);
          expect(reopened.dropped).toBe(0);
        }
        slowest = Math.max(slowest, performance.now() - t0);
      }
      expect(lines).toBeGreaterThanOrEqual(10_000);
      expect(examples).toEqual([]);
      expect(crashes).toBe(0);
      expect(slowest).toBeLessThan(SLOWEST_FILE_MS);
    },
    FUZZ_TIMEOUT_MS,
  );
});
