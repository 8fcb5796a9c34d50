// Streaming JSONL: one JSON document per line, validated line by line. Appends are whole lines, so the
// only damage a crash can do is a torn last line, which readers ignore.
import { createReadStream } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { CpiError, SchemaValidationError, type CpiErrorCode, type SchemaIssue } from '../errors.ts';
import { JSON_MAX_DEPTH, JSONL_MAX_LINE_BYTES, jsonDepthExceeded } from './json-depth.ts';
import { schemaIssues, type SchemaName, type SchemaTypes } from '../validate.ts';

export interface JsonlLine<T> {
  /** 1-based line number in the file. */
  line: number;
  value: T;
}

export interface ReadJsonlOptions {
  /** Validate each line against this schema. */
  schema?: SchemaName;
  /**
   * `throw` (default): read the whole file, then throw one error listing every bad line.
   * `skip`: leave bad lines out, and count and report them in the result.
   */
  onInvalid?: 'throw' | 'skip';
  /** Longer lines are bad lines (CPI_JSONL_LINE_TOO_LONG), never buffered whole. @default JSONL_MAX_LINE_BYTES (16 MiB) */
  maxLineBytes?: number;
  /** Deeper documents are bad lines (CPI_JSON_TOO_DEEP). @default JSON_MAX_DEPTH (64) */
  maxDepth?: number;
}

export interface JsonlResult<T> {
  records: JsonlLine<T>[];
  /** Bad lines left out (only with onInvalid: 'skip'). */
  skipped: number;
  issues: SchemaIssue[];
  /** The file ended in a partial line (a write cut off), which was ignored. */
  tornLastLine: boolean;
  /** The number of that torn line, when there was one. */
  tornLine?: number;
}

/** What the reader collects besides the records. */
export interface JsonlSink {
  issues: SchemaIssue[];
  tornLastLine: boolean;
  tornLine?: number;
}

interface RawLine {
  line: number;
  terminated: boolean;
  /** The decoded line, or undefined when it is too long or not UTF-8 (then `problem` says which). */
  text?: string;
  problem?: { code: CpiErrorCode; message: string };
}

/**
 * Splits a file into lines at the byte level, so that one line is never held beyond `maxBytes` and each
 * line is decoded strictly: invalid UTF-8 is reported for its line instead of becoming U+FFFD.
 * A UTF-8 byte-order mark at the start of the file is dropped.
 */
async function* lines(file: string, maxBytes: number): AsyncGenerator<RawLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let n = 0;
  const finish = (terminated: boolean): RawLine => {
    n++;
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
    const long = tooLong;
    parts = [];
    size = 0;
    tooLong = false;
    if (long) return { line: n, terminated, problem: { code: 'CPI_JSONL_LINE_TOO_LONG', message: `is longer than ${maxBytes} bytes` } };
    try {
      const text = decoder.decode(bytes);
      return { line: n, terminated, text: n === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
    } catch {
      return { line: n, terminated, problem: { code: 'CPI_INVALID_UTF8', message: 'is not valid UTF-8' } };
    }
  };
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let pos = 0;
      while (pos < chunk.length) {
        const newline = chunk.indexOf(10, pos);
        const end = newline < 0 ? chunk.length : newline;
        if (!tooLong && end > pos) {
          if (size + (end - pos) > maxBytes) {
            // Drop what was gathered and skip to the next newline: memory stays bounded by maxBytes.
            tooLong = true;
            parts = [];
            size = 0;
          } else {
            parts.push(chunk.subarray(pos, end));
            size += end - pos;
          }
        }
        if (newline < 0) break;
        yield finish(true);
        pos = newline + 1;
      }
    }
  } catch (error) {
    throw new CpiError('CPI_FILE_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`, { file, cause: error });
  }
  if (size > 0 || tooLong) yield finish(false);
}

/**
 * Reads a JSONL file as a stream of validated lines. Blank lines are skipped; an unterminated last line
 * that does not parse is treated as torn and ignored (noted in the sink). Lines longer than
 * `maxLineBytes`, nested deeper than `maxDepth` or not UTF-8 are bad lines with their own codes.
 */
export function streamJsonl<N extends SchemaName>(
  file: string,
  options: ReadJsonlOptions & { schema: N },
  sink?: JsonlSink,
): AsyncGenerator<JsonlLine<SchemaTypes[N]>>;
export function streamJsonl(file: string, options?: ReadJsonlOptions, sink?: JsonlSink): AsyncGenerator<JsonlLine<unknown>>;
export async function* streamJsonl(
  file: string,
  options: ReadJsonlOptions = {},
  sink: JsonlSink = { issues: [], tornLastLine: false },
): AsyncGenerator<JsonlLine<unknown>> {
  const maxDepth = options.maxDepth ?? JSON_MAX_DEPTH;
  const torn = (line: number) => {
    sink.tornLastLine = true;
    sink.tornLine = line;
  };
  for await (const { text, line, terminated, problem } of lines(file, options.maxLineBytes ?? JSONL_MAX_LINE_BYTES)) {
    if (text === undefined) {
      // A write cut off inside a multi-byte character leaves invalid UTF-8: that is a torn line too.
      if (!terminated && problem?.code === 'CPI_INVALID_UTF8') torn(line);
      else if (problem) sink.issues.push({ file, line, pointer: '', message: problem.message, code: problem.code });
      continue;
    }
    if (text.trim() === '') continue;
    const deep = jsonDepthExceeded(text, maxDepth);
    if (deep >= 0) {
      sink.issues.push({ file, line, pointer: '', message: `nests arrays or objects deeper than ${maxDepth} levels (at character ${deep + 1})`, code: 'CPI_JSON_TOO_DEEP' });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      if (!terminated) {
        torn(line);
        continue;
      }
      sink.issues.push({ file, line, pointer: '', message: `is not valid JSON (${(error as Error).message})` });
      continue;
    }
    if (options.schema) {
      const issues = schemaIssues(options.schema, value, { file, line });
      if (issues.length > 0) {
        sink.issues.push(...issues);
        continue;
      }
    }
    yield { line, value };
  }
}

/**
 * Reads a whole JSONL file. With `onInvalid: 'throw'` (the default) every bad line is reported in one
 * SchemaValidationError (code CPI_SCHEMA_INVALID); with `'skip'` they are counted and left out.
 */
export async function readJsonl<N extends SchemaName>(file: string, options: ReadJsonlOptions & { schema: N }): Promise<JsonlResult<SchemaTypes[N]>>;
export async function readJsonl(file: string, options?: ReadJsonlOptions): Promise<JsonlResult<unknown>>;
export async function readJsonl(file: string, options: ReadJsonlOptions = {}): Promise<JsonlResult<unknown>> {
  const sink: JsonlSink = { issues: [], tornLastLine: false };
  const records: JsonlLine<unknown>[] = [];
  for await (const rec of streamJsonl(file, options, sink)) records.push(rec);
  const badLines = new Set(sink.issues.map((i) => i.line)).size;
  if (sink.issues.length > 0 && (options.onInvalid ?? 'throw') === 'throw') {
    throw new SchemaValidationError(options.schema ?? 'JSON', sink.issues);
  }
  const result: JsonlResult<unknown> = { records, skipped: badLines, issues: sink.issues, tornLastLine: sink.tornLastLine };
  if (sink.tornLine !== undefined) result.tornLine = sink.tornLine;
  return result;
}

/** Serialises documents as JSONL text (one line each, trailing newline). */
export function toJsonl(values: Iterable<unknown>): string {
  let out = '';
  for (const v of values) out += JSON.stringify(v) + '\n';
  return out;
}

/** Appends whole lines to a JSONL file in one write, so a crash cannot interleave partial records. */
export async function appendJsonl(file: string, values: readonly unknown[]): Promise<void> {
  if (values.length === 0) return;
  await appendFile(file, toJsonl(values));
}
