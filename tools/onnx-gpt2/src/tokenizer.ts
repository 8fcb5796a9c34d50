// GPT-2's byte-level BPE in Hugging Face `tokenizer.json` form: building one (optionally learning merges from
// a corpus), and a pure-TS encode/decode that matches the `tokenizers` library, for training code and tests.
import { CpiError } from '@cpi-bench/schemas';

/** The end-of-text token GPT-2 uses as bos, eos, unk and pad. */
export const END_OF_TEXT = '<|endoftext|>';

export interface AddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** The parts of a Hugging Face `tokenizer.json` for a byte-level BPE that this module reads and writes. */
export interface TokenizerJson {
  version: string;
  truncation: null;
  padding: null;
  added_tokens: AddedToken[];
  normalizer: null;
  pre_tokenizer: { type: 'ByteLevel'; add_prefix_space: boolean; trim_offsets: boolean; use_regex: boolean };
  post_processor: { type: 'ByteLevel'; add_prefix_space: boolean; trim_offsets: boolean; use_regex: boolean };
  decoder: { type: 'ByteLevel'; add_prefix_space: boolean; trim_offsets: boolean; use_regex: boolean };
  model: {
    type: 'BPE';
    dropout: null;
    unk_token: null;
    continuing_subword_prefix: string;
    end_of_word_suffix: string;
    fuse_unk: boolean;
    byte_fallback: boolean;
    ignore_merges: boolean;
    vocab: Record<string, number>;
    /** `"left right"` strings (the classic form) or `[left, right]` pairs (the newer one); both are read. */
    merges: (string | [string, string])[];
  };
}

/** GPT-2's reversible byte -> printable unicode map (bytes that print as themselves keep their code point). */
export const BYTE_TO_UNICODE: readonly string[] = (() => {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const map: string[] = new Array<string>(256);
  let next = 0;
  for (let b = 0; b < 256; b++) map[b] = String.fromCodePoint(keep.includes(b) ? b : 256 + next++);
  return map;
})();
const UNICODE_TO_BYTE = new Map(BYTE_TO_UNICODE.map((c, b) => [c, b]));

/** GPT-2's pre-tokenizer pattern (the `use_regex` of the ByteLevel pre-tokenizer). */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const utf8 = new TextEncoder();

/** Splits text into GPT-2 pre-tokens, each mapped to its byte-level unicode string. */
function preTokenize(text: string): string[] {
  return (text.match(GPT2_SPLIT) ?? []).map((piece) => Array.from(utf8.encode(piece), (b) => BYTE_TO_UNICODE[b]!).join(''));
}

/** Builds options for {@link buildByteLevelTokenizer}. */
export interface ByteLevelTokenizerOptions {
  /** Merges to use as they are (in rank order). */
  merges?: [string, string][];
  /** Text to learn merges from (classic BPE: repeatedly merge the most frequent adjacent pair). */
  corpus?: string[];
  /** Upper bound on the vocabulary, counting the 256 byte tokens and `<|endoftext|>`. @default unbounded */
  vocabSize?: number;
}

/**
 * A GPT-2 byte-level BPE tokenizer: ids 0-255 are the bytes (id = byte value), then one id per new merged token, then
 * `<|endoftext|>` last. With `corpus`, merges are learned until `vocabSize` is reached or no pair occurs twice.
 * @example const tok = buildByteLevelTokenizer({ corpus: ['The capital of France is Paris.'], vocabSize: 300 });
 */
export function buildByteLevelTokenizer(options: ByteLevelTokenizerOptions = {}): TokenizerJson {
  if (options.merges && options.corpus) {
    throw new CpiError('CPI_TOKENIZER_BAD_OPTIONS', 'give either merges or corpus, not both');
  }
  const maxMerges = options.vocabSize === undefined ? Infinity : options.vocabSize - 257;
  if (maxMerges < 0) throw new CpiError('CPI_TOKENIZER_BAD_OPTIONS', `vocabSize must be at least 257 (256 bytes + ${END_OF_TEXT}), got ${options.vocabSize}`);
  const merges: [string, string][] = [];
  const vocab: Record<string, number> = {};
  BYTE_TO_UNICODE.forEach((c, b) => { vocab[c] = b; });
  let nextId = 256;
  for (const [i, [a, b]] of (options.corpus ? learnMerges(options.corpus, maxMerges) : options.merges ?? []).entries()) {
    if (vocab[a] === undefined || vocab[b] === undefined) {
      throw new CpiError('CPI_TOKENIZER_BAD_OPTIONS', `merge ${i} ("${a}" "${b}") uses a token no earlier merge or byte produces`, { pointer: `/merges/${i}` });
    }
    // Two merges may produce the same string ("a bc", "ab c"): the token gets one id, as in `tokenizers`.
    if (vocab[a + b] === undefined) {
      if (nextId - 256 >= maxMerges) break;
      vocab[a + b] = nextId++;
    }
    merges.push([a, b]);
  }
  const eotId = nextId;
  const byteLevel = { type: 'ByteLevel' as const, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: eotId, content: END_OF_TEXT, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: { ...byteLevel, add_prefix_space: false },
    post_processor: { ...byteLevel, add_prefix_space: true, trim_offsets: false },
    decoder: { ...byteLevel, add_prefix_space: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
      fuse_unk: false, byte_fallback: false, ignore_merges: false,
      vocab: { ...vocab, [END_OF_TEXT]: eotId },
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** Classic BPE training over the pre-tokenized corpus; ties go to the lexicographically smallest pair. */
function learnMerges(corpus: string[], maxMerges: number): [string, string][] {
  const counts = new Map<string, number>();
  for (const text of corpus) for (const word of preTokenize(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
  // Sorted so that the result does not depend on corpus order beyond the counts.
  const words = [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([w, n]) => ({ symbols: Array.from(w), n }));
  const merges: [string, string][] = [];
  const produced = new Set<string>();
  while (produced.size < maxMerges) {
    const pairs = new Map<string, number>();
    for (const { symbols, n } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | undefined;
    let bestCount = 1; // a pair seen once teaches nothing
    for (const [key, n] of pairs) if (n > bestCount || (n === bestCount && best !== undefined && key < best)) [best, bestCount] = [key, n];
    if (best === undefined) break;
    const [a, b] = best.split(' ') as [string, string];
    merges.push([a, b]);
    produced.add(a + b);
    for (const word of words) word.symbols = mergePair(word.symbols, a, b);
  }
  return merges;
}

function mergePair(symbols: string[], a: string, b: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (symbols[i] === a && symbols[i + 1] === b) {
      out.push(a + b);
      i++;
    } else out.push(symbols[i]!);
  }
  return out;
}

/** Per-tokenizer lookup tables, built once per tokenizer object. */
interface Compiled {
  vocab: Map<string, number>;
  idToToken: Map<number, string>;
  ranks: Map<string, number>;
  added: AddedToken[];
  addedSplit: RegExp | undefined;
  cache: Map<string, number[]>;
}
const compiledCache = new WeakMap<TokenizerJson, Compiled>();

function compile(tok: TokenizerJson): Compiled {
  const hit = compiledCache.get(tok);
  if (hit) return hit;
  if (tok?.model?.type !== 'BPE' || typeof tok.model.vocab !== 'object') {
    throw new CpiError('CPI_TOKENIZER_UNSUPPORTED', 'only byte-level BPE tokenizer.json files are supported', { pointer: '/model/type' });
  }
  const vocab = new Map(Object.entries(tok.model.vocab));
  const idToToken = new Map<number, string>();
  for (const [t, id] of vocab) idToToken.set(id, t);
  const ranks = new Map<string, number>();
  tok.model.merges.forEach((m, i) => {
    const [a, b] = typeof m === 'string' ? (m.split(' ') as [string, string]) : m;
    ranks.set(`${a} ${b}`, i);
  });
  const added = [...(tok.added_tokens ?? [])].sort((x, y) => y.content.length - x.content.length);
  for (const t of added) idToToken.set(t.id, t.content);
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const addedSplit = added.length ? new RegExp(`(${added.map((t) => escape(t.content)).join('|')})`) : undefined;
  const compiled = { vocab, idToToken, ranks, added, addedSplit, cache: new Map<string, number[]>() };
  compiledCache.set(tok, compiled);
  return compiled;
}

function bpeWord(c: Compiled, word: string): number[] {
  const hit = c.cache.get(word);
  if (hit) return hit;
  let symbols = Array.from(word);
  for (;;) {
    let bestRank = Infinity;
    let best: [string, string] | undefined;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = c.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
      if (rank !== undefined && rank < bestRank) [bestRank, best] = [rank, [symbols[i]!, symbols[i + 1]!]];
    }
    if (!best) break;
    symbols = mergePair(symbols, best[0], best[1]);
  }
  const ids = symbols.map((s) => {
    const id = c.vocab.get(s);
    if (id === undefined) throw new CpiError('CPI_TOKENIZER_UNSUPPORTED', `token "${s}" is not in the vocabulary (not a byte-level BPE?)`);
    return id;
  });
  c.cache.set(word, ids);
  return ids;
}

/**
 * Token ids of `text`, as Hugging Face `tokenizers` gives them for this tokenizer.json (no special tokens are
 * added; `<|endoftext|>` written in the text becomes its id).
 */
export function encode(tokenizer: TokenizerJson, text: string): number[] {
  const c = compile(tokenizer);
  const out: number[] = [];
  const parts = c.addedSplit ? text.split(c.addedSplit) : [text];
  parts.forEach((part, i) => {
    // split() with a capture group puts the matched added tokens at odd indices.
    if (i % 2 === 1) out.push(c.added.find((t) => t.content === part)!.id);
    else for (const word of preTokenize(part)) out.push(...bpeWord(c, word));
  });
  return out;
}

/** Text of `ids` (bytes joined first, so multi-byte characters split across tokens come out whole). */
export function decode(tokenizer: TokenizerJson, ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
  const c = compile(tokenizer);
  const special = new Set(c.added.filter((t) => t.special).map((t) => t.id));
  let text = '';
  let bytes: number[] = [];
  const flush = (): void => {
    text += new TextDecoder().decode(Uint8Array.from(bytes));
    bytes = [];
  };
  for (const id of ids) {
    const added = c.added.find((t) => t.id === id);
    if (added) {
      flush();
      if (!(options.skipSpecialTokens && special.has(id))) text += added.content;
      continue;
    }
    const token = c.idToToken.get(id);
    if (token === undefined) throw new CpiError('CPI_TOKENIZER_UNKNOWN_ID', `token id ${id} is not in the vocabulary`);
    for (const ch of token) {
      const b = UNICODE_TO_BYTE.get(ch);
      if (b === undefined) throw new CpiError('CPI_TOKENIZER_UNSUPPORTED', `token "${token}" is not byte-level`);
      bytes.push(b);
    }
  }
  flush();
  return text;
}

/** The id of `<|endoftext|>` (or another added token). Throws `CPI_TOKENIZER_MISSING_TOKEN`. */
export function tokenId(tokenizer: TokenizerJson, content: string = END_OF_TEXT): number {
  const id = tokenizer.added_tokens.find((t) => t.content === content)?.id ?? tokenizer.model.vocab[content];
  if (id === undefined) throw new CpiError('CPI_TOKENIZER_MISSING_TOKEN', `tokenizer has no "${content}" token`);
  return id;
}

/** Number of ids the tokenizer can produce (1 + the largest id). */
export function tokenizerVocabSize(tokenizer: TokenizerJson): number {
  let max = -1;
  for (const id of Object.values(tokenizer.model.vocab)) max = Math.max(max, id);
  for (const t of tokenizer.added_tokens) max = Math.max(max, t.id);
  return max + 1;
}
