// Streaming JSONL: one JSON document per line, validated line by line. Appends are whole lines, so the
// only damage a crash can do is a torn last line, which readers ignore.
import { createReadStream } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { CpiError, SchemaValidationError, type SchemaIssue } from '../errors.ts';
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
}

export interface JsonlResult<T> {
  records: JsonlLine<T>[];
  /** Bad lines left out (only with onInvalid: 'skip'). */
  skipped: number;
  issues: SchemaIssue[];
  /** The file ended in a partial line (a write cut off), which was ignored. */
  tornLastLine: boolean;
}

/** Splits a byte stream into lines, noting whether the last line was terminated. */
async function* lines(file: string): AsyncGenerator<{ text: string; line: number; terminated: boolean }> {
  let rest = '';
  let n = 0;
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      const parts = (rest + (chunk as string)).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) yield { text, line: ++n, terminated: true };
    }
  } catch (error) {
    throw new CpiError('CPI_FILE_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`, { file, cause: error });
  }
  if (rest.length > 0) yield { text: rest, line: ++n, terminated: false };
}

/**
 * Reads a JSONL file as a stream of validated lines. Blank lines are skipped; an unterminated last line
 * that does not parse is treated as torn and ignored.
 */
export function streamJsonl<N extends SchemaName>(
  file: string,
  options: ReadJsonlOptions & { schema: N },
  sink?: { issues: SchemaIssue[]; tornLastLine: boolean },
): AsyncGenerator<JsonlLine<SchemaTypes[N]>>;
export function streamJsonl(file: string, options?: ReadJsonlOptions, sink?: { issues: SchemaIssue[]; tornLastLine: boolean }): AsyncGenerator<JsonlLine<unknown>>;
export async function* streamJsonl(
  file: string,
  options: ReadJsonlOptions = {},
  sink: { issues: SchemaIssue[]; tornLastLine: boolean } = { issues: [], tornLastLine: false },
): AsyncGenerator<JsonlLine<unknown>> {
  for await (const { text, line, terminated } of lines(file)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      if (!terminated) {
        sink.tornLastLine = true;
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
  const sink = { issues: [] as SchemaIssue[], tornLastLine: false };
  const records: JsonlLine<unknown>[] = [];
  for await (const rec of streamJsonl(file, options, sink)) records.push(rec);
  const badLines = new Set(sink.issues.map((i) => i.line)).size;
  if (sink.issues.length > 0 && (options.onInvalid ?? 'throw') === 'throw') {
    throw new SchemaValidationError(options.schema ?? 'JSON', sink.issues);
  }
  return { records, skipped: badLines, issues: sink.issues, tornLastLine: sink.tornLastLine };
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
