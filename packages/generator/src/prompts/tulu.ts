// The TULU v2 chat markup (`<|user|>` / `<|assistant|>`), written out so no tokenizer is needed. It keeps
// the newline TULU puts after `<|assistant|>`: the answer follows it directly, as in TULU's training data.
import type { PromptTemplate } from '@cpi-bench/schemas';
import { CONTEXT_ONLY_INSTRUCTION } from './instructions.ts';

export const tulu: PromptTemplate = {
  schemaVersion: 1,
  id: 'tulu',
  format: 'tulu',
  description: 'TULU v2 markup: <|user|> Background: {context} "Question": {question} <|assistant|>.',
  text: '<|user|>\nBackground: {context}\n"Question": {question}\n<|assistant|>\n',
  closedBookText: '<|user|>\n{question}\n<|assistant|>\n',
  slots: ['context', 'question', 'prompt'],
};

export const tuluContextOnly: PromptTemplate = {
  schemaVersion: 1,
  id: 'tulu-context-only',
  format: 'tulu',
  contextOnly: true,
  description: 'TULU v2 markup with the context-only instruction.',
  text: `<|user|>\n${CONTEXT_ONLY_INSTRUCTION}\nBackground: {context}\n"Question": {question}\n<|assistant|>\n`,
  closedBookText: '<|user|>\n{question}\n<|assistant|>\n',
  slots: ['context', 'question', 'prompt'],
};
