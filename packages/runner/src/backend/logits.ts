// Reading logits rows: a token's log-softmax and the greedy choice. Pure.

/** log-softmax value of `token` at one logits row, plus whether it is the argmax (first index wins ties). */
export function tokenLogprob(logits: Float32Array, offset: number, vocab: number, token: number): { lp: number; greedy: boolean; finite: boolean } {
  let max = -Infinity;
  let arg = 0;
  for (let v = 0; v < vocab; v++) {
    const x = logits[offset + v]!;
    if (x > max) {
      max = x;
      arg = v;
    }
  }
  let sum = 0;
  for (let v = 0; v < vocab; v++) sum += Math.exp(logits[offset + v]! - max);
  const lp = logits[offset + token]! - max - Math.log(sum);
  return { lp, greedy: arg === token, finite: Number.isFinite(lp) && Number.isFinite(max) };
}

/** The greedy token of one logits row; -1 when the row is all NaN. */
export function argmax(logits: Float32Array, offset: number, vocab: number): number {
  let max = -Infinity;
  let arg = -1;
  for (let v = 0; v < vocab; v++) {
    const x = logits[offset + v]!;
    if (x > max) {
      max = x;
      arg = v;
    }
  }
  return arg;
}

/**
 * Decodes the bytes of a run of byte-fallback tokens (<0xNN>) as Hugging Face `tokenizers` does: the UTF-8
 * text when the bytes are valid, else one U+FFFD per byte. (TextDecoder's lossy mode instead replaces
 * each maximal invalid subsequence, which differs, e.g. on a lone lead byte followed by a valid character.)
 */
export function decodeFallbackBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return '\uFFFD'.repeat(bytes.length);
  }
}

/** The generated text that stop strings apply to: leading whitespace (a newline the model emits first) is not an answer. */
export function answerText(decoded: string): string {
  return decoded.replace(/^\s+/, '');
}
