// Maps a JSON pointer to the line its value starts on, so errors in seed and import files can name the
// line as well as the field. A small scanner over already-valid JSON text; it builds no values. Its
// recursion is safe because parseJsonWithLine refuses documents nested deeper than JSON_MAX_DEPTH first.
import { JSON_MAX_DEPTH, jsonDepthExceeded } from '@cpi-bench/schemas';

/** 1-based line of character offset `at` in `text`. */
export function lineAt(text: string, at: number): number {
  let line = 1;
  for (let i = 0; i < at && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * `lineAt` for many offsets in increasing order, in one pass over the text (calling lineAt for each of
 * n records would rescan the text n times). An offset before the previous one starts over.
 * @example const lineOf = lineCounter(text); rows.map((r) => lineOf(r.offset))
 */
export function lineCounter(text: string): (at: number) => number {
  let pos = 0;
  let line = 1;
  return (at: number) => {
    if (at < pos) {
      pos = 0;
      line = 1;
    }
    const end = Math.min(at, text.length);
    for (; pos < end; pos++) if (text.charCodeAt(pos) === 10) line++;
    return line;
  };
}

/**
 * Offsets at which each value of a JSON document starts, by pointer, down to `maxDepth` levels.
 * @example valueOffsets('{"a":[1,2]}').get('/a/1') // 8
 */
export function valueOffsets(text: string, maxDepth = 3): Map<string, number> {
  const out = new Map<string, number>();
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (pointer: string, depth: number): void => {
    ws();
    if (depth <= maxDepth) out.set(pointer, i);
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        const key = str();
        ws();
        i++; // ':'
        value(`${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth + 1);
        ws();
        if (text[i++] === '}') return;
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(`${pointer}/${n}`, depth + 1);
        ws();
        if (text[i++] === ']') return;
      }
    } else if (ch === '"') {
      str();
    } else {
      while (i < text.length && !',]} \t\r\n'.includes(text[i] as string)) i++;
    }
  };
  value('', 0);
  return out;
}

/** Offset of the first JSON syntax error in `text` (Node 20's JSON.parse messages do not always say). */
export function syntaxErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = () => {
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += (m as RegExpExecArray)[0].length;
  };
  const str = () => {
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\n') fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (ch === '{') {
          ws();
          str();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) return void i++;
        else fail();
      }
    } else if (ch === '"') str();
    else literal();
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return typeof at === 'number' ? at : 0;
  }
}

/**
 * Parses JSON, turning a syntax error into its line number. A document nested deeper than JSON_MAX_DEPTH
 * fails with code CPI_JSON_TOO_DEEP before any parsing, so no recursive scanner here can overflow the stack.
 */
export function parseJsonWithLine(text: string): { ok: true; value: unknown } | { ok: false; line: number; message: string; code?: 'CPI_JSON_TOO_DEEP' } {
  const deep = jsonDepthExceeded(text, JSON_MAX_DEPTH);
  if (deep >= 0) return { ok: false, line: lineAt(text, deep), message: `arrays or objects nest deeper than ${JSON_MAX_DEPTH} levels`, code: 'CPI_JSON_TOO_DEEP' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const at = syntaxErrorOffset(text);
    return { ok: false, line: lineAt(text, Math.max(0, at)), message: (error as Error).message.split('\n')[0] ?? 'syntax error' };
  }
}
