// Where a prompt ends and its continuation begins, in text and in tokens. Pure: takes an encoder.

/**
 * Joins a scored answer to its prompt as the model saw it in training. After a line break (a chat
 * template's generation prompt `<|im_start|>assistant\n`, TULU's `<|assistant|>\n`) the answer follows
 * directly; otherwise the continuation keeps its leading space (" Paris" after "Answer:") and any
 * trailing spaces of the prompt move into it, as lm-evaluation-harness does.
 */
export function joinBoundary(prompt: string, continuation: string): { prompt: string; continuation: string } {
  const spaces = /[ \t]+$/.exec(prompt)?.[0] ?? '';
  const body = prompt.slice(0, prompt.length - spaces.length);
  if (/[\r\n]$/.test(body)) return { prompt: body, continuation: continuation.replace(/^[ \t]+/, '') };
  return { prompt: body, continuation: spaces + continuation };
}

/** Prompts longer than this are joined to their continuation through their tail only (see continuationTokens). */
export const TAIL_CHARS = 512;

/**
 * The continuation's tokens: what prompt+continuation adds to the prompt's own tokens
 * (lm-evaluation-harness's boundary). For a long prompt the whole text is not re-encoded for every
 * candidate answer: only the prompt's last TAIL_CHARS characters are, and this is taken only when the
 * tail's tokens (after its first two, which the cut may change) end the prompt's tokens, i.e. when
 * tokenisation is local there; otherwise the whole text is encoded.
 * @param contextIds the prompt's tokens, encoded once per item
 * @param encodeWhole encodes a full prompt the way contextIds was (special tokens included)
 * @param encodePart encodes a fragment without special tokens
 */
export function continuationTokens(
  prompt: string,
  continuation: string,
  contextIds: readonly number[],
  encodeWhole: (text: string) => number[],
  encodePart: (text: string) => number[],
): number[] {
  if (prompt.length > TAIL_CHARS * 2) {
    const tail = prompt.slice(-TAIL_CHARS);
    const tailIds = encodePart(tail);
    const check = tailIds.slice(2);
    const end = contextIds.slice(contextIds.length - check.length);
    if (check.length > 0 && check.every((t, i) => t === end[i])) return encodePart(tail + continuation).slice(tailIds.length);
  }
  return encodeWhole(prompt + continuation).slice(contextIds.length);
}
