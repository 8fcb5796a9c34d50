// Streams the examples of a finetuning file: JSONL (one example a line) or a JSON array (as
// tatsu-lab/alpaca ships it). Memory stays bounded by the largest example, whatever the file's size.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { CpiError, SchemaValidationError, streamJsonl, type SchemaIssue } from '@cpi-bench/schemas';
import { formatOf, formatProblem, type DataFormat, type Example } from '../formats.ts';

export type Container = 'json' | 'jsonl';

/** JSON array or JSONL, from the first non-blank byte. */
export async function containerOf(path: string): Promise<Container> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new CpiError('CPI_FILE_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, { file: path, cause: error });
  }
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    if (head === '') throw new CpiError('CPI_MITIGATION_EMPTY_INPUT', `${path} is empty`, { file: path });
    return head.startsWith('[') ? 'json' : 'jsonl';
  } finally {
    await handle.close();
  }
}

/**
 * The elements of a top-level JSON array, parsed one at a time. Hand-written (a 40-line scanner that
 * tracks strings and nesting) rather than a streaming-JSON dependency: each element is then parsed by the
 * native JSON.parse, which is much faster than a token-level streaming parser.
 */
async function* jsonArrayElements(path: string): AsyncGenerator<{ text: string | undefined; line: number }> {
  let buffer = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let line = 1;
  let startLine = 1;
  let seenOpen = false;
  /** At depth 1, after `[` or `,`: the next value starts an element. */
  let expectElement = false;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const offset = buffer.length;
    buffer += chunk as string;
    let cut = 0;
    for (let i = offset; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c === 10) line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (depth === 1 && expectElement && c !== 32 && c !== 10 && c !== 13 && c !== 9 && c !== 93) {
        expectElement = false;
        // A string, number or literal element: not an example (yielded without text, reported by the caller).
        if (c !== 123 && c !== 91) yield { text: undefined, line };
      }
      if (depth === 1 && c === 44) expectElement = true;
      if (c === 34) inString = true;
      else if (c === 91 || c === 123) {
        if (!seenOpen) (seenOpen = true), (expectElement = true);
        else if (depth === 1) (start = i), (startLine = line);
        depth++;
      } else if (c === 93 || c === 125) {
        depth--;
        if (depth === 1 && start >= 0) {
          yield { text: buffer.slice(start, i + 1), line: startLine };
          start = -1;
          cut = i + 1;
        }
      }
    }
    buffer = start >= 0 ? buffer.slice(start) : buffer.slice(cut);
    if (start >= 0) start = 0;
  }
  if (depth !== 0) throw new CpiError('CPI_JSON_INVALID', 'the JSON array is not closed (the file is cut off?)', { file: path, line });
}

export interface ReadOptions {
  /** 'auto' (default) takes the first example's format; every example must then be in it. */
  format?: DataFormat | 'auto';
}

/**
 * Streams the examples of `path`, checking each against the format. Bad examples are collected and, after
 * the last one, thrown together as one CPI_SCHEMA_INVALID error naming file, line and JSON pointer.
 */
export async function* readExamples(path: string, options: ReadOptions & { onFormat?: (format: DataFormat) => void } = {}): AsyncGenerator<Example> {
  const container = await containerOf(path);
  let format: DataFormat | undefined = options.format === 'auto' ? undefined : options.format;
  const issues: SchemaIssue[] = [];
  let index = 0;
  const check = (value: unknown, line: number): Example | undefined => {
    if (format === undefined) {
      format = formatOf(value);
      if (!format) {
        throw new CpiError('CPI_MITIGATION_FORMAT', 'cannot tell the data format from the first example', {
          file: path, line, hint: 'examples need instruction/output (Alpaca), messages (chat) or conversations (ShareGPT); or pass --format',
        });
      }
      options.onFormat?.(format);
    }
    const problem = formatProblem(value, format);
    const i = index++;
    if (problem) {
      issues.push({ file: path, line, pointer: container === 'json' ? `/${i}${problem.pointer}` : problem.pointer, message: `${problem.message} (${format})` });
      return undefined;
    }
    return { record: value as Record<string, unknown>, index: i, line };
  };
  if (container === 'jsonl') {
    const sink = { issues, tornLastLine: false };
    for await (const { value, line } of streamJsonl(path, {}, sink)) {
      const example = check(value, line);
      if (example) yield example;
    }
    // A store's torn tail is a crash to ignore; in a user's data it is a cut-off example, and so an error.
    if (sink.tornLastLine) issues.push({ file: path, pointer: '', message: 'the last line is cut off (not valid JSON, no newline)' });
  } else {
    for await (const { text, line } of jsonArrayElements(path)) {
      if (text === undefined) {
        issues.push({ file: path, line, pointer: `/${index++}`, message: 'must be a JSON object' });
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        issues.push({ file: path, line, pointer: `/${index++}`, message: `is not valid JSON (${(error as Error).message})` });
        continue;
      }
      const example = check(value, line);
      if (example) yield example;
    }
  }
  if (issues.length > 0) throw new SchemaValidationError(`${format ?? 'finetuning'} example`, issues);
}
