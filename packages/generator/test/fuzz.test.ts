// Fuzz: 10,000+ mutated JSONL lines (ConflictItems, and the paper's biographies and MemoTrap rows) through
// the dataset reader and the audit. Every call must end, quickly, either with a result or a CpiError:
// anything else (a TypeError, a RangeError, a hang) is a bug. Seeded, so a failure can be replayed.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCpiError, mulberry32, type ConflictItem } from '@cpi-bench/schemas';
import { auditFiles, readDataset } from '../src/index.ts';
import { BIOGRAPHIES, MEMOTRAP_CSV, WORLD_FACTS } from './fixtures/paper-like.ts';
import { tempDir } from './helpers.ts';

const SEED = 20_261_206;
const ITEM_LINES = 10_000;
const PAPER_LINES = 3_000;
const LINES_PER_FILE = 50;
/** The whole test takes about 5 s on a quiet machine; the bound leaves room for a loaded CI machine. */
const FUZZ_TIMEOUT_MS = 60_000;
/** One call past this is a hang (the slowest seen is about 0.2 s on a quiet machine, 10x that under load). */
const SLOWEST_CALL_MS = 10_000;

const BASE: readonly ConflictItem[] = [
  { schemaVersion: 1, id: 'cpi-facts:capital:0001', dataset: 'cpi-facts', category: 'country_capital', split: 'conflict', groupId: 'g1', context: 'The capital of France is Lyon.', question: 'What is the capital of France?', contextAnswer: 'Lyon', parametricAnswer: 'Paris', parametricAliases: ['Paris, France'], flags: ['shared_words'], substitution: { strategy: 'same-type-swap', params: { from: 'Paris' } }, answerPosition: { bucket: 'end', charFraction: 0.8 }, provenance: { source: 'generator', factId: 'f1', line: 3, index: 0 } },
  { schemaVersion: 1, id: 'cpi-facts:capital:0002', dataset: 'cpi-facts', category: 'country_capital', split: 'closed_book', question: 'What is the capital of Peru?', parametricAnswer: 'Lima', provenance: { source: 'generator' } },
  { schemaVersion: 1, id: 'memotrap:x:0001', dataset: 'memotrap', category: 'proverb_ending', split: 'conflict', context: 'End it with "heavy": Absence makes the heart grow', prompt: 'End it with "heavy": Absence makes the heart grow', contextAnswer: 'heavy.', parametricAnswer: 'fonder.', contextAliases: ['heavy'], provenance: { source: 'm.csv' } },
  { schemaVersion: 1, id: 'toy:u:0001', dataset: 'toy', category: 'c', split: 'unknown_subject', context: 'Zorblax lives in Qwerty.', question: 'Where does Zorblax live?', contextAnswer: 'Qwerty', provenance: { source: 't' } },
];

/** Values that have broken JSON readers elsewhere: deep nesting, huge numbers and strings, odd escapes. */
const HOSTILE: readonly (() => string)[] = [
  () => '['.repeat(70) + ']'.repeat(70),
  () => '{"a":'.repeat(200) + '1' + '}'.repeat(200),
  () => '1e999999',
  () => '-' + '9'.repeat(5000),
  () => JSON.stringify('x'.repeat(200_000)),
  () => '"\\ud800\\udfff\\ud800"',
  () => '"\\u0000\\u202e\\ufeff"',
  () => 'null',
  () => '[]',
  () => '{}',
  () => JSON.stringify(Array.from({ length: 1_500 }, (_, i) => `a${i}`)),
  () => JSON.stringify(['same', 'same']),
  () => 'true',
  () => '"   "',
  // Deep enough to overflow any recursive reader (the old json-location.ts did).
  () => '['.repeat(100_000) + ']'.repeat(100_000),
];

const GARBAGE_BYTES = [0x00, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0xff, 0xc3, 0xe2, 0x80, 0xef, 0xbb, 0xbf, 0x0d];

function mutate(line: string, rand: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  let text = line;
  let bytes: Buffer | undefined;
  const rounds = 1 + Math.floor(rand() * 3);
  for (let r = 0; r < rounds; r++) {
    const kind = Math.floor(rand() * 9);
    if (kind === 0) {
      // Replace one value (after a key) with a hostile one.
      const keys = [...text.matchAll(/"([A-Za-z]+)":/g)];
      const key = keys.length > 0 ? pick(keys) : undefined;
      if (key?.index !== undefined) {
        const start = key.index + key[0].length;
        const end = start + Math.max(1, Math.floor(rand() * 40));
        text = text.slice(0, start) + pick(HOSTILE)() + text.slice(end);
      }
    } else if (kind === 1) {
      const at = Math.floor(rand() * text.length);
      text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 20));
    } else if (kind === 2) {
      text = text.slice(0, Math.floor(rand() * text.length)); // truncated
    } else if (kind === 3) {
      const at = Math.floor(rand() * text.length);
      text = text.slice(0, at) + pick(['"', '\\', '{', '}', '[', ']', ',', ':', '\\u', '\u2028', '\ud800', '\t']) + text.slice(at);
    } else if (kind === 4) {
      text = text.replace(/"id":"[^"]*"/, '"id":"dup"'); // duplicate ids across lines
    } else if (kind === 5) {
      text = text.replace(/^\{/, '{"split":"conflict",'); // a duplicate key
    } else if (kind === 6) {
      text = text.replace(/"(context|question|prompt|contextAnswer|parametricAnswer)":"/, (m) => m + '\\u00e9'.repeat(Math.floor(rand() * 3)) + 'ß'.repeat(Math.floor(rand() * 2000)));
    } else if (kind === 7) {
      // A Python or JSON unicode escape, often past U+10FFFF (MemoTrap's classes cell once crashed on it).
      const at = Math.floor(rand() * text.length);
      const hex = Math.floor(rand() * 0xffffffff).toString(16).padStart(8, '0');
      text = text.slice(0, at) + pick([`\\U${hex}`, `\\u${hex.slice(4)}`, `\\x${hex.slice(6)}`, `\\U0010ffff`]) + text.slice(at);
    } else {
      bytes = Buffer.from(text);
      for (let i = 0; i < 1 + rand() * 4; i++) bytes[Math.floor(rand() * bytes.length)] = pick(GARBAGE_BYTES);
      text = bytes.toString('latin1');
    }
  }
  return bytes && text === bytes.toString('latin1') ? bytes : Buffer.from(text);
}

interface Outcome {
  calls: number;
  cpiErrors: number;
  others: { file: string; error: string }[];
  slowestMs: number;
}

async function call(outcome: Outcome, file: string, body: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  try {
    await body();
  } catch (error) {
    if (isCpiError(error)) outcome.cpiErrors++;
    else outcome.others.push({ file, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
  outcome.calls++;
  outcome.slowestMs = Math.max(outcome.slowestMs, performance.now() - started);
}

describe('fuzz', () => {
  it(
    `${ITEM_LINES} mutated item lines and ${PAPER_LINES} mutated paper lines: only CpiErrors, no hang`,
    async () => {
      const rand = mulberry32(SEED);
      const dir = tempDir('cpi-fuzz-');
      const outcome: Outcome = { calls: 0, cpiErrors: 0, others: [], slowestMs: 0 };
      const items = BASE.map((i) => JSON.stringify(i));
      const bios = BIOGRAPHIES.map((b) => JSON.stringify(b));
      const csvRow = MEMOTRAP_CSV.split('\n')[1] as string;
      const files: string[] = [];
      const write = (name: string, lines: Buffer[], header?: string) => {
        // Some files end without a newline (a torn or unterminated last line), a few start with a BOM.
        const ending = rand() < 0.2 ? '' : '\n';
        const head = [rand() < 0.05 ? Buffer.from('\ufeff') : Buffer.alloc(0), header ? Buffer.from(header + '\n') : Buffer.alloc(0)];
        const body = lines.flatMap((l, i) => (i < lines.length - 1 ? [l, Buffer.from('\n')] : [l]));
        const path = join(dir, name);
        writeFileSync(path, Buffer.concat([...head, ...body, Buffer.from(ending)]));
        files.push(path);
      };
      let lines = 0;
      for (let f = 0; lines < ITEM_LINES; f++) {
        const batch: Buffer[] = [];
        for (let i = 0; i < LINES_PER_FILE; i++, lines++) {
          // Most lines mutated; a few left valid so files also reach the audit's checks.
          const line = items[(lines + f) % items.length] as string;
          batch.push(rand() < 0.15 ? Buffer.from(line.replace(/"id":"([^"]*)"/, `"id":"$1-${lines}"`)) : mutate(line, rand));
        }
        write(`items-${f}.jsonl`, batch);
      }
      const fact = JSON.stringify(WORLD_FACTS[1]);
      for (let f = 0, n = 0; n < PAPER_LINES; f++) {
        const kind = f % 3;
        const batch: Buffer[] = [];
        for (let i = 0; i < LINES_PER_FILE; i++, n++) batch.push(mutate(kind === 0 ? (bios[0] as string) : kind === 1 ? csvRow : fact, rand));
        if (kind === 0) write(`bios-${f}.jsonl`, batch);
        else if (kind === 1) write(`memotrap-${f}.csv`, batch, 'prompt,classes,answer_index');
        // A world_facts.json-like array, one record per line.
        else write(`facts-${f}.json`, [Buffer.from('['), ...batch.map((b, i) => Buffer.concat([b, Buffer.from(i < batch.length - 1 ? ',' : '')])), Buffer.from(']')]);
      }

      try {
        for (const file of files) {
          if (/items-\d+\.jsonl$/.test(file)) {
            await call(outcome, file, () => readDataset(file));
            await call(outcome, file, () => readDataset(file, { onInvalid: 'skip' }));
          }
          await call(outcome, file, () => auditFiles([file]));
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      console.log(`fuzz: ${lines + PAPER_LINES} lines in ${files.length} files; ${outcome.calls} reader calls, ${outcome.cpiErrors} CpiErrors, ${outcome.others.length} other exceptions; slowest call ${outcome.slowestMs.toFixed(0)} ms`);
      expect(outcome.others.slice(0, 3)).toEqual([]);
      expect(outcome.slowestMs).toBeLessThan(SLOWEST_CALL_MS);
      // The mutations must actually reach both outcomes, or the test proves nothing.
      expect(outcome.cpiErrors).toBeGreaterThan(files.length / 2);
      expect(outcome.cpiErrors).toBeLessThan(outcome.calls);
    },
    FUZZ_TIMEOUT_MS,
  );
});
