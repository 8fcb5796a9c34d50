// Examples serialised as a stream in the input's own container (JSON array or JSONL), in chunks of about a
// megabyte, counted and hashed as they go. mitigate-file.ts writes the chunks through schemas'
// writeFileAtomicWith (a temporary sibling renamed into place), so a failed run leaves no half file and a
// million examples are never held in memory; a dry run only counts and hashes.
import { createHash } from 'node:crypto';
import type { Container } from './read.ts';

const FLUSH_AT = 1 << 20;

export interface ExampleSerializer {
  /** Adds one example; returns a chunk to write once about a megabyte is pending, else ''. */
  add(record: Record<string, unknown>): string;
  /** The last chunk (the JSON array's end included). */
  finish(): string;
  /** After finish(): the count and the SHA-256 of everything returned. */
  result(): { count: number; sha256: string };
}

export function exampleSerializer(container: Container): ExampleSerializer {
  const hash = createHash('sha256');
  let pending = '';
  let count = 0;
  const take = (): string => {
    const chunk = pending;
    hash.update(chunk);
    pending = '';
    return chunk;
  };
  return {
    add(record) {
      // Alpaca's own JSON file is indented by 4; JSONL is one compact line per example.
      pending += container === 'jsonl' ? JSON.stringify(record) + '\n' : (count === 0 ? '[\n' : ',\n') + JSON.stringify(record, null, 4).replace(/^/gm, '    ');
      count++;
      return pending.length >= FLUSH_AT ? take() : '';
    },
    finish() {
      if (container === 'json') pending += count === 0 ? '[]\n' : '\n]\n';
      return take();
    },
    result: () => ({ count, sha256: hash.digest('hex') }),
  };
}
