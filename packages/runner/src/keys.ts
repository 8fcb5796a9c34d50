// The cache key of a prediction: a hash of the request actually computed (weights, tokenizer, the rendered
// prompt, the continuations or decoding options), never of names or paths. lm-evaluation-harness's
// CachingLM users were bitten by keys that were not the request (#2715, #4063): an edited template under
// its old id, or new weights under an old path, served stale results.
import { sha256 } from '@cpi-bench/schemas';

/**
 * Bump whenever inference semantics change (how a prompt is encoded, how a continuation is scored, how
 * generation stops): every stored prediction is then recomputed, because its key no longer matches.
 */
export const STORE_FORMAT_VERSION = 3;

/** What the model is asked, in one mode: the prompt plus what is scored after it or how text is generated. */
export type ModelRequest =
  | { mode: 'score'; prompt: string; addSpecialTokens: boolean; continuations: readonly string[] }
  | { mode: 'generate'; prompt: string; addSpecialTokens: boolean; maxNewTokens: number; stop: readonly string[] }
  /** The prompt could not be rendered (the item fails); keyed so that a fixed template is tried again. */
  | { mode: 'score' | 'generate'; prompt: null; renderError: string };

export interface KeyParts {
  modelHash: string;
  tokenizerHash: string;
  itemId: string;
  /** Hash of the item's content, so an edited item under the same id is recomputed too. */
  itemHash: string;
  request: ModelRequest;
}

/** sha256 over the store format version and the key parts, in a fixed order. */
export function predictionKey(p: KeyParts): string {
  return sha256(JSON.stringify([STORE_FORMAT_VERSION, p.modelHash, p.tokenizerHash, p.itemId, p.itemHash, stableStringify(p.request)]));
}

/** Stable JSON (sorted keys) so two equal items hash alike whatever their key order on disk. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function itemHash(item: unknown): string {
  return sha256(stableStringify(item));
}

/** A short hash for folder names (12 hex digits: collisions among one user's runs are negligible). */
export function shortHash(value: unknown): string {
  return sha256(stableStringify(value)).slice(0, 12);
}
