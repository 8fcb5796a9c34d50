// Chat prompts exactly as Hugging Face renders and tokenizes them: goldens from
// `apply_chat_template(messages, add_generation_prompt=True)` and `tokenizers` (tools/hf-fixtures), for the
// Llama-2, TULU, Phi-3, ChatML (Qwen2, SmolLM in chat_template.jinja) and OLMo formats.
import { copyFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { getPromptTemplate, renderPrompt } from '@cpi-bench/generator';
import { validate, type ConflictItem } from '@cpi-bench/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { continuationTokens, joinBoundary } from '../src/backend/boundary.ts';
import { continuationOf, loadCheckpointSeries, loadOnnxModel, type LanguageModel, type ResolvedCheckpoint } from '../src/index.ts';
import { makeCheckpoint, tempDir } from './fixtures/checkpoints.ts';

const HF = join(import.meta.dirname, 'fixtures', 'hf');

interface ChatGolden {
  family: string;
  itemId: string;
  text: string;
  ids: number[];
  idsTransformers: number[];
  answer: string;
  continuationIds: number[];
}

const goldens = JSON.parse(await readFile(join(HF, 'chat-goldens.json'), 'utf8')) as { items: ConflictItem[]; goldens: ChatGolden[] };
const families = [...new Set(goldens.goldens.map((g) => g.family))];

let root: { dir: string; cleanup: () => Promise<void> };
const loaded = new Map<string, { cp: ResolvedCheckpoint; model: LanguageModel }>();
let items: Map<string, ConflictItem>;

/** A tiny GPT-2 graph wide enough for the family's vocabulary, carrying the family's tokenizer files. */
async function familyCheckpoint(family: string): Promise<{ cp: ResolvedCheckpoint; model: LanguageModel }> {
  const dir = join(root.dir, family);
  await makeCheckpoint(dir, { config: { vocabSize: 640 } });
  const src = join(HF, 'tokenizers', family);
  for (const f of await readdir(src)) await copyFile(join(src, f), join(dir, f));
  const [cp] = await loadCheckpointSeries(dir);
  return { cp: cp!, model: await loadOnnxModel(cp!.files, { device: 'cpu' }) };
}

beforeAll(async () => {
  root = await tempDir();
  for (const f of families) loaded.set(f, await familyCheckpoint(f));
  // The items the goldens were made from travel with them (the default suite may be regenerated since).
  items = new Map(goldens.items.map((i) => [i.id, validate('conflictItem', i)]));
}, 120_000);
afterAll(async () => {
  for (const { model } of loaded.values()) await model.dispose();
  await root.cleanup();
});

describe.each(families)('%s chat template', (family) => {
  const cases = goldens.goldens.filter((g) => g.family === family);

  it('renders the prompt text as apply_chat_template does', () => {
    const { cp } = loaded.get(family)!;
    for (const g of cases) {
      const text = renderPrompt(getPromptTemplate('chat'), items.get(g.itemId)!, {
        ...(cp.chatTemplate !== undefined ? { chatTemplate: cp.chatTemplate } : {}),
        ...(cp.bosToken !== undefined ? { bosToken: cp.bosToken } : {}),
        ...(cp.eosToken !== undefined ? { eosToken: cp.eosToken } : {}),
      });
      expect(text, g.itemId).toBe(g.text);
    }
  });

  it('encodes it to the golden ids: the template decides the special tokens, none are added again', () => {
    const { model } = loaded.get(family)!;
    for (const g of cases) expect(model.encode(g.text, { addSpecialTokens: false }), g.itemId).toEqual(g.ids);
  });

  it('joins the answer as the model saw it in training (no space after the generation prompt line break)', () => {
    const { model } = loaded.get(family)!;
    for (const g of cases) {
      const { prompt, continuation } = joinBoundary(g.text, continuationOf(g.answer));
      const context = model.encode(prompt, { addSpecialTokens: false });
      const part = (t: string): number[] => model.encode(t, { addSpecialTokens: false });
      expect(continuationTokens(prompt, continuation, context, part, part), g.itemId).toEqual(g.continuationIds);
    }
  });
});

it('reads a chat template saved to chat_template.jinja (transformers 5) and hashes the file', () => {
  const { cp } = loaded.get('gpt2')!;
  expect(cp.chatTemplate).toContain('<|im_start|>');
  expect(cp.manifest.files.map((f) => f.path)).toContain('chat_template.jinja');
});

it('decodes byte-fallback tokens as Hugging Face tokenizers does (one U+FFFD per invalid byte)', async () => {
  const { cases } = JSON.parse(await readFile(join(HF, 'byte-fallback-goldens.json'), 'utf8')) as { cases: { ids: number[]; text: string }[] };
  const { model } = loaded.get('llama2')!;
  expect(cases.filter((c) => c.text.includes('\uFFFD')).length).toBeGreaterThan(5);
  for (const c of cases) expect(model.decode(c.ids), JSON.stringify(c.ids)).toBe(c.text);
});

it("renders the written-out tulu template as TULU-2's own chat template does; encoding adds the BOS TULU's training saw", () => {
  const { model } = loaded.get('tulu2')!;
  for (const g of goldens.goldens.filter((x) => x.family === 'tulu2')) {
    const text = renderPrompt(getPromptTemplate('tulu'), items.get(g.itemId)!);
    expect(text, g.itemId).toBe(g.text);
    // open-instruct tokenizes the concatenated messages with the tokenizer's BOS; apply_chat_template adds none.
    expect(model.encode(text), g.itemId).toEqual([1, ...g.ids]);
  }
});
