// Writes examples as a stream in the input's own container (JSON array or JSONL), atomically: into a
// temporary sibling that replaces the target only on commit(), so a failed run leaves no half file. The
// schemas package's writeFileAtomic needs the whole text in memory, which a million examples must not.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import type { Container } from './read.ts';

const FLUSH_AT = 1 << 20;

export interface ExampleWriter {
  write(record: Record<string, unknown>): Promise<void>;
  /** Closes and renames into place; returns the count and the SHA-256 of what was written. */
  commit(): Promise<{ count: number; sha256: string }>;
  abort(): Promise<void>;
}

/** A writer that only counts and hashes (for --dry-run). */
export function countingWriter(container: Container): ExampleWriter {
  return writerOver(container, undefined);
}

export async function openExampleWriter(path: string, container: Container): Promise<ExampleWriter> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  return writerOver(container, { path, tmp, stream: createWriteStream(tmp) });
}

function writerOver(container: Container, file: { path: string; tmp: string; stream: NodeJS.WritableStream & { close?: () => void } } | undefined): ExampleWriter {
  const hash = createHash('sha256');
  let pending = '';
  let count = 0;
  const flush = async () => {
    if (pending === '') return;
    hash.update(pending);
    if (file && !file.stream.write(pending)) await once(file.stream, 'drain');
    pending = '';
  };
  return {
    async write(record) {
      // Alpaca's own JSON file is indented by 4; JSONL is one compact line per example.
      pending += container === 'jsonl' ? JSON.stringify(record) + '\n' : (count === 0 ? '[\n' : ',\n') + JSON.stringify(record, null, 4).replace(/^/gm, '    ');
      count++;
      if (pending.length >= FLUSH_AT) await flush();
    },
    async commit() {
      if (container === 'json') pending += count === 0 ? '[]\n' : '\n]\n';
      await flush();
      if (file) {
        file.stream.end();
        await once(file.stream, 'finish');
        await rename(file.tmp, file.path);
      }
      return { count, sha256: hash.digest('hex') };
    },
    async abort() {
      if (file) {
        file.stream.end();
        await once(file.stream, 'finish').catch(() => undefined);
        await rm(file.tmp, { force: true });
      }
    },
  };
}
