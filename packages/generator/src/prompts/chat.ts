// Chat-template formats: `text` is the user message only; the tokenizer's own jinja `chat_template` wraps
// it (renderPrompt), so one template serves every chat model.
import type { PromptTemplate } from '@cpi-bench/schemas';
import { CONTEXT_ONLY_INSTRUCTION } from './instructions.ts';

export const chat: PromptTemplate = {
  schemaVersion: 1,
  id: 'chat',
  format: 'chat-template',
  description: "The user message rendered with the checkpoint tokenizer's chat_template (add_generation_prompt).",
  text: 'Background: {context}\n"Question": {question}',
  closedBookText: '{question}',
  slots: ['context', 'question', 'prompt'],
};

export const chatContextOnly: PromptTemplate = {
  schemaVersion: 1,
  id: 'chat-context-only',
  format: 'chat-template',
  contextOnly: true,
  description: "The chat form with the context-only instruction in the user message.",
  text: `${CONTEXT_ONLY_INSTRUCTION}\nBackground: {context}\n"Question": {question}`,
  closedBookText: '{question}',
  slots: ['context', 'question', 'prompt'],
};
