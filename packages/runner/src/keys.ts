// The cache key of a prediction: content, never paths (lm-evaluation-harness's CachingLM users were bitten
// when new weights under an old path were served old results).
import { sha256 } from '@cpi-bench/schemas';

export interface KeyParts {
  modelHash: string;
  tokenizerHash: string;
  template: string;
  mode: 'score' | 'generate';
  itemId: string;
  /** Hash of the item's content, so an edited item under the same id is recomputed too. */
  itemHash: string;
  /** Options that change the output in this mode (generate: maxNewTokens and stop strings). */
  options: Readonly<Record<string, unknown>>;
}

/** sha256 over the key parts, in a fixed order. */
export function predictionKey(p: KeyParts): string {
  return sha256(JSON.stringify([p.modelHash, p.tokenizerHash, p.template, p.mode, p.itemId, p.itemHash, p.options]));
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
