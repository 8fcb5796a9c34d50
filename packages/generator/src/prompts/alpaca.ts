// Stanford Alpaca's training format (instruction + input), the one Alpaca-finetuned checkpoints saw. The
// context goes in the input block as the paper's "Background:" and the question keeps its quotes (App. A.4).
// "### Response:" keeps its newline: Alpaca's training data puts the answer on the next line.
import type { PromptTemplate } from '@cpi-bench/schemas';
import { CONTEXT_ONLY_INSTRUCTION } from './instructions.ts';

const WITH_INPUT =
  'Below is an instruction that describes a task, paired with an input that provides further context. ' +
  'Write a response that appropriately completes the request.';
const WITHOUT_INPUT = 'Below is an instruction that describes a task. Write a response that appropriately completes the request.';

export const alpaca: PromptTemplate = {
  schemaVersion: 1,
  id: 'alpaca',
  format: 'alpaca',
  description: 'Alpaca instruction/input/response format; context in the input block.',
  text: `${WITH_INPUT}\n\n### Instruction:\n"Question": {question}\n\n### Input:\nBackground: {context}\n\n### Response:\n`,
  closedBookText: `${WITHOUT_INPUT}\n\n### Instruction:\n{question}\n\n### Response:\n`,
  slots: ['context', 'question', 'prompt'],
};

export const alpacaContextOnly: PromptTemplate = {
  schemaVersion: 1,
  id: 'alpaca-context-only',
  format: 'alpaca',
  contextOnly: true,
  description: 'Alpaca format with "Answer the question based on the input context only." in the instruction.',
  text: `${WITH_INPUT}\n\n### Instruction:\n${CONTEXT_ONLY_INSTRUCTION} "Question": {question}\n\n### Input:\nBackground: {context}\n\n### Response:\n`,
  closedBookText: `${WITHOUT_INPUT}\n\n### Instruction:\n{question}\n\n### Response:\n`,
  slots: ['context', 'question', 'prompt'],
};
