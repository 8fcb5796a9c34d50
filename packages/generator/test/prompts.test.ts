import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isValid, type ConflictItem } from '@cpi-bench/schemas';
import { getPromptTemplate, promptTemplates, renderPrompt } from '../src/index.ts';

const CHATML =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const LLAMA2 =
  "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}{% endfor %}";

const conflict: ConflictItem = {
  schemaVersion: 1, id: 'x-1', dataset: 'test', category: 'country_capital', split: 'conflict',
  context: 'After the floods, the capital of France moved to Lyon.', question: 'What is the capital of France?',
  contextAnswer: 'Lyon', parametricAnswer: 'Paris', provenance: { source: 'test' },
};
const closedBook: ConflictItem = {
  schemaVersion: 1, id: 'x-2', dataset: 'test', category: 'country_capital', split: 'closed_book',
  question: 'What is the capital of France?', parametricAnswer: 'Paris', provenance: { source: 'test' },
};
const memoTrap: ConflictItem = {
  schemaVersion: 1, id: 'x-3', dataset: 'memotrap', category: 'proverb_ending', split: 'conflict',
  context: 'Write a quote that ends in the word "heavy": Absence makes the heart grow',
  prompt: 'Write a quote that ends in the word "heavy": Absence makes the heart grow',
  contextAnswer: 'heavy.', parametricAnswer: 'fonder.', provenance: { source: 'test' },
};

describe('prompt template registry', () => {
  it('holds the contracted ids, each a valid PromptTemplate', () => {
    expect(promptTemplates.map((t) => t.id)).toEqual([
      'plain', 'plain-context-only', 'alpaca', 'alpaca-context-only', 'tulu', 'tulu-context-only', 'chat', 'chat-context-only', 'short-answer',
    ]);
    for (const t of promptTemplates) expect(isValid('promptTemplate', t), t.id).toBe(true);
  });

  it('registers every template file in the folder', async () => {
    const dir = fileURLToPath(new URL('../src/prompts/', import.meta.url));
    const files = readdirSync(dir).filter((f) => !['registry.ts', 'render.ts', 'instructions.ts'].includes(f));
    for (const file of files) {
      const mod = (await import(/* @vite-ignore */ pathToFileURL(join(dir, file)).href)) as Record<string, { id?: string }>;
      for (const exported of Object.values(mod)) {
        if (exported && typeof exported === 'object' && 'id' in exported) expect(promptTemplates, file).toContain(exported);
      }
    }
  });

  it('rejects an unknown id with CPI_UNKNOWN_TEMPLATE listing the valid ones', () => {
    expect(() => getPromptTemplate('vicuna')).toThrowError(expect.objectContaining({ code: 'CPI_UNKNOWN_TEMPLATE', message: expect.stringContaining('tulu-context-only') }));
  });

  it('every context-only variant carries the instruction its base lacks', () => {
    for (const t of promptTemplates.filter((x) => x.contextOnly)) {
      const base = getPromptTemplate(t.id.replace('-context-only', ''));
      const options = { chatTemplate: CHATML };
      expect(renderPrompt(t, conflict, options)).toContain('based on the input context only');
      expect(renderPrompt(base, conflict, options)).not.toContain('based on the input context only');
    }
  });
});

describe('renderPrompt', () => {
  it('renders the plain form exactly', () => {
    expect(renderPrompt(getPromptTemplate('plain'), conflict)).toBe(
      'Context: After the floods, the capital of France moved to Lyon.\nQuestion: What is the capital of France?\nAnswer:',
    );
    expect(renderPrompt(getPromptTemplate('plain'), closedBook)).toBe('Question: What is the capital of France?\nAnswer:');
  });

  it('ends where the answer begins: no trailing whitespace, or exactly the line break its format ends in', () => {
    for (const t of promptTemplates) {
      for (const item of [conflict, closedBook, { ...memoTrap, prompt: memoTrap.prompt + ' \n' }]) {
        const text = renderPrompt(t, item, { chatTemplate: CHATML });
        const endsInBreak = t.format === 'tulu' || t.format === 'alpaca' || t.format === 'chat-template';
        expect(text, `${t.id} ${item.id}`).toBe(endsInBreak ? text.trimEnd() + '\n' : text.trimEnd());
        expect(text.length).toBeGreaterThan(0);
      }
    }
  });

  it('renders a MemoTrap prompt as is in plain formats, so the completion continues the proverb', () => {
    expect(renderPrompt(getPromptTemplate('plain'), memoTrap)).toBe(memoTrap.prompt);
    expect(renderPrompt(getPromptTemplate('tulu'), memoTrap)).toBe(`<|user|>\n${memoTrap.prompt}\n<|assistant|>\n`);
  });

  it('leaves slot-like text inside the context alone', () => {
    const tricky = { ...conflict, context: 'A {question} and a {context} appear here.' };
    expect(renderPrompt(getPromptTemplate('plain'), tricky)).toContain('Context: A {question} and a {context} appear here.\n');
  });

  it('places the closed-book question without a context block in every format', () => {
    for (const t of promptTemplates) {
      const text = renderPrompt(t, closedBook, { chatTemplate: CHATML });
      expect(text).toContain('What is the capital of France?');
      expect(text).not.toContain('Background:');
      expect(text).not.toContain('Context:');
    }
  });

  it("renders chat formats with the tokenizer's chat_template, generation prompt included", () => {
    const text = renderPrompt(getPromptTemplate('chat'), conflict, { chatTemplate: CHATML });
    expect(text).toBe(
      '<|im_start|>user\nBackground: After the floods, the capital of France moved to Lyon.\n"Question": What is the capital of France?<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(renderPrompt(getPromptTemplate('chat'), closedBook, { chatTemplate: LLAMA2, bosToken: '<s>' })).toBe(
      '<s>[INST] What is the capital of France? [/INST]',
    );
  });

  it('refuses a chat format without a chat_template', () => {
    expect(() => renderPrompt(getPromptTemplate('chat-context-only'), conflict)).toThrowError(
      expect.objectContaining({ code: 'CPI_TEMPLATE_NEEDS_CHAT_TEMPLATE' }),
    );
  });

  it('reports a chat_template that does not parse', () => {
    expect(() => renderPrompt(getPromptTemplate('chat'), conflict, { chatTemplate: '{% for %}' })).toThrowError(
      expect.objectContaining({ code: 'CPI_CHAT_TEMPLATE_INVALID' }),
    );
  });
});

describe('a custom Jinja template (format jinja, from a run file)', () => {
  const custom = {
    schemaVersion: 1 as const, id: 'my-qa', format: 'jinja' as const,
    text: '{% if context %}Context: {{ context }}\n{% endif %}Question: {{ question }}\nAnswer: ',
  };
  it('gets the fields the built-in templates fill, for every kind of item', () => {
    expect(isValid('promptTemplate', custom)).toBe(true);
    expect(renderPrompt(custom, conflict)).toBe(`Context: ${conflict.context}\nQuestion: ${conflict.question}\nAnswer:`);
    expect(renderPrompt(custom, closedBook)).toBe(`Question: ${closedBook.question}\nAnswer:`);
    expect(renderPrompt(custom, memoTrap)).toBe(`Context: ${memoTrap.context}\nQuestion: ${memoTrap.prompt}\nAnswer:`);
    // The same end rule as the built-in forms: a final line break stays. (Jinja drops the source's own
    // trailing newline, as Python's Jinja does by default, so a template that wants one writes it out.)
    expect(renderPrompt({ ...custom, text: '{{ question }}\n### Response:{{ "\\n" }}' }, conflict)).toBe(`${conflict.question}\n### Response:\n`);
  });
  it('says which template failed, with a code', () => {
    expect(() => renderPrompt({ ...custom, text: '{% if context %}unclosed' }, conflict)).toThrow(expect.objectContaining({ code: 'CPI_TEMPLATE_INVALID' }));
    expect(() => renderPrompt({ ...custom, text: '{{ "" }}' }, conflict)).toThrow(/renders item x-1 as empty text/);
  });
});
