// Limits every JSON reader of cpi-bench applies before parsing, so hostile input fails with a coded error
// instead of exhausting the stack (recursive scanners, validators) or the memory.

/** Longest JSONL line read, in bytes; longer lines are reported, not buffered. */
export const JSONL_MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Deepest nesting of arrays and objects accepted in a JSON document (no cpi-bench file goes past 6). */
export const JSON_MAX_DEPTH = 64;

/**
 * Offset of the first `{` or `[` that opens a level deeper than `maxDepth`, or -1. A linear scan that
 * skips strings; it does not check the syntax (JSON.parse does that).
 * @example jsonDepthExceeded('[[[1]]]', 2) // 2
 */
export function jsonDepthExceeded(text: string, maxDepth: number = JSON_MAX_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return i;
    } else if (c === 125 || c === 93) depth--;
  }
  return -1;
}
