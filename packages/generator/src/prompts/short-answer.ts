// The replication's scorer prompt ([GR] eval.py): asks for as few words as possible, which makes
// containment scoring far less ambiguous.
import type { PromptTemplate } from '@cpi-bench/schemas';

export const shortAnswer: PromptTemplate = {
  schemaVersion: 1,
  id: 'short-answer',
  format: 'plain',
  contextOnly: false,
  description: 'The GIRIAYUSH replication prompt: answer in as few words as possible, no explanation.',
  text:
    'Read the context and answer the question in as few words as possible. Do not explain. Do not add notes.\n\n' +
    'Context: {context}\n\nQuestion: {question}\n\nAnswer:',
  closedBookText: 'Answer the question in as few words as possible. Do not explain. Do not add notes.\n\nQuestion: {question}\n\nAnswer:',
  slots: ['context', 'question', 'prompt'],
};
