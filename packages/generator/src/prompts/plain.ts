// The raw "base model" form: the context, the question and an `Answer:` cue, nothing else.
import type { PromptTemplate } from '@cpi-bench/schemas';
import { CONTEXT_ONLY_INSTRUCTION } from './instructions.ts';

export const plain: PromptTemplate = {
  schemaVersion: 1,
  id: 'plain',
  format: 'plain',
  description: 'Raw completion form for base models: "Context: … Question: … Answer:".',
  text: 'Context: {context}\nQuestion: {question}\nAnswer:',
  closedBookText: 'Question: {question}\nAnswer:',
  slots: ['context', 'question', 'prompt'],
};

export const plainContextOnly: PromptTemplate = {
  schemaVersion: 1,
  id: 'plain-context-only',
  format: 'plain',
  contextOnly: true,
  description: 'The plain form with the paper\'s "answer based on the input context only" instruction (App. A.4).',
  text: `${CONTEXT_ONLY_INSTRUCTION}\nContext: {context}\nQuestion: {question}\nAnswer:`,
  closedBookText: 'Question: {question}\nAnswer:',
  slots: ['context', 'question', 'prompt'],
};
