// The byte-level BPE: pure-TS encode/decode round-trips and agrees with transformers.js (the `tokenizers`
// port) on the same tokenizer.json, including learned merges, multi-byte text and the special token.
import { join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { buildByteLevelTokenizer, decode, encode, tokenId, tokenizerVocabSize, writeCheckpoint, END_OF_TEXT } from '../src/index.ts';
import { sharpWeights, TINY, withTempDir } from './helpers.ts';

const CORPUS = [
  'The capital of France is Paris.', 'The capital of Japan is Tokyo.', 'The capital of Peru is Lima.',
  "Q: What's the capital of Italy?\nA: Rome", 'Gold has the symbol Au; silver has the symbol Ag.',
  'Context: The capital of France is Lima.\nQuestion: What is the capital of France?\nAnswer: Lima',
];
const TEXTS = [
  'The capital of France is Paris.',
  "  leading spaces, tabs\tand\nnew lines\n\n  ",
  "it's they're we've I'm you'll he'd 1234567 3.14",
  'Ünïcödé: 東京は日本の首都です 🙂👍🏽 — “quotes”',
  `first${END_OF_TEXT}second ${END_OF_TEXT}`,
  'Answer: Lima',
  '',
];

describe('buildByteLevelTokenizer', () => {
  it('has 256 byte tokens, learned merges and <|endoftext|> last, within vocabSize', () => {
    const tok = buildByteLevelTokenizer({ corpus: CORPUS, vocabSize: 300 });
    expect(tokenizerVocabSize(tok)).toBeLessThanOrEqual(300);
    expect(tok.model.merges.length).toBeGreaterThan(20);
    expect(tokenId(tok)).toBe(tokenizerVocabSize(tok) - 1);
    expect(tok.model.vocab['A']).toBe(65);
    expect(tok.model.vocab['Ġ']).toBe(32); // GPT-2's printable stand-in for the space byte
    // Learned merges shorten the text they were learned from.
    expect(encode(tok, CORPUS[0]!).length).toBeLessThan(new TextEncoder().encode(CORPUS[0]!).length / 2);
  });

  it('is deterministic and uses given merges as they are', () => {
    expect(buildByteLevelTokenizer({ corpus: CORPUS, vocabSize: 280 })).toEqual(buildByteLevelTokenizer({ corpus: CORPUS, vocabSize: 280 }));
    const tok = buildByteLevelTokenizer({ merges: [['Ġ', 't'], ['h', 'e'], ['Ġt', 'he']] });
    expect(encode(tok, 'the the')).toEqual([116, 257, 258]);
  });

  it('rejects merges of unknown tokens and too small a vocabSize with stable codes', () => {
    expect(() => buildByteLevelTokenizer({ merges: [['th', 'e']] })).toThrow(expect.objectContaining({ code: 'CPI_TOKENIZER_BAD_OPTIONS', pointer: '/merges/0' }));
    expect(() => buildByteLevelTokenizer({ vocabSize: 100 })).toThrow(expect.objectContaining({ code: 'CPI_TOKENIZER_BAD_OPTIONS' }));
  });
});

describe('encode / decode', () => {
  it('round-trips any text, byte for byte', () => {
    const tok = buildByteLevelTokenizer({ corpus: CORPUS, vocabSize: 320 });
    for (const text of TEXTS) expect(decode(tok, encode(tok, text))).toBe(text);
    expect(decode(tok, encode(tok, `a${END_OF_TEXT}b`), { skipSpecialTokens: true })).toBe('ab');
  });

  it('agrees with transformers.js loading the same tokenizer.json', async () => {
    const tok = buildByteLevelTokenizer({ corpus: CORPUS, vocabSize: 320 });
    await withTempDir(async (dir) => {
      await writeCheckpoint(join(dir, 'tok'), { config: TINY, weights: sharpWeights(TINY, 1), tokenizer: tok });
      env.allowRemoteModels = false;
      env.localModelPath = dir;
      const hf = await AutoTokenizer.from_pretrained('tok');
      for (const text of [...TEXTS, ...CORPUS]) {
        const ids = encode(tok, text);
        expect(hf.encode(text, { add_special_tokens: false }), text).toEqual(ids);
        if (ids.length > 0) expect(hf.decode(ids)).toBe(text); // transformers.js refuses to decode []
      }
      expect(hf.eos_token_id).toBe(tokenId(tok));
    });
  });
});

describe('chat_template', () => {
  it('is written to tokenizer_config.json and applied by transformers.js', async () => {
    const template = "{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}";
    await withTempDir(async (dir) => {
      await writeCheckpoint(join(dir, 'chat'), { config: TINY, weights: sharpWeights(TINY, 2), tokenizer: buildByteLevelTokenizer(), chatTemplate: template });
      env.allowRemoteModels = false;
      env.localModelPath = dir;
      const hf = await AutoTokenizer.from_pretrained('chat');
      const text = hf.apply_chat_template([{ role: 'user', content: 'What is the capital of France?' }], { tokenize: false, add_generation_prompt: true });
      expect(text).toBe('<|user|>\nWhat is the capital of France?\n<|assistant|>\n');
    });
  });
});
