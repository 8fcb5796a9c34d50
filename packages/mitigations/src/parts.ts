// What the transforms need from an example: its instruction, its context (if any) and its target. Alpaca
// has the context in `input`; chat and ShareGPT data need a rule, documented here and in the README.
import { formatOf, turnsOf, type DataFormat } from './formats.ts';

export interface ExampleParts {
  instruction: string;
  /** '' when the example has no context. */
  context: string;
  /** The text the model is trained to produce (Alpaca `output`, the last assistant turn). */
  target: string;
}

/** Labels that open a passage in the project's prompt templates and in common RAG/QA data. */
const CONTEXT_LABEL = /^\s*(?:#+\s*)?["']?(?:background|context|passage|document|article|text|input|reference|source|paragraph)["']?\s*:/i;
/** Labels that open the question. */
const QUESTION_LABEL = /^\s*(?:#+\s*)?["']?(?:question|q|query)["']?\s*:/i;
/** A passage of fewer words is not a context (a short preamble such as "Hi!" is not). */
export const MIN_PASSAGE_WORDS = 30;

const words = (text: string) => (text.match(/\S+/g) ?? []).length;
const isQuestion = (paragraph: string) => QUESTION_LABEL.test(paragraph) || /\?\s*["')\]]*\s*$/.test(paragraph.trim());

/**
 * Splits one user message into a passage and a question, or returns undefined when it carries no passage.
 * The rule (README, "Which chat examples have a context"):
 * 1. Labelled: a line opening with a context label (`Background:`, `Context:`, `Passage:`, … as the
 *    prompt templates write them) starts the passage, which runs until a line opening with a question label
 *    (`Question:`, `"Question":`, `Q:`) or the end; there must be a question (label or a line ending in
 *    `?`) outside the passage.
 * 2. Unlabelled: the message has two or more paragraphs (blank-line separated), one of them is a question
 *    (question label, or ends with `?`), and the others hold at least MIN_PASSAGE_WORDS words.
 */
export function splitPassage(message: string): { context: string; question: string } | undefined {
  const lines = message.split('\n');
  const start = lines.findIndex((l) => CONTEXT_LABEL.test(l));
  if (start >= 0) {
    let end = lines.findIndex((l, i) => i > start && QUESTION_LABEL.test(l));
    if (end < 0) end = lines.length;
    const context = lines.slice(start, end).join('\n').replace(CONTEXT_LABEL, '').trim();
    const rest = [...lines.slice(0, start), ...lines.slice(end)].join('\n').trim();
    if (context !== '' && rest.split(/\n/).some(isQuestion)) return { context, question: rest };
  }
  const paragraphs = message.split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p !== '');
  if (paragraphs.length < 2) return undefined;
  // The question is the last question paragraph; a passage can itself contain questions.
  const q = paragraphs.findLastIndex(isQuestion);
  if (q < 0) return undefined;
  const passage = paragraphs.filter((_, i) => i !== q);
  if (words(passage.join(' ')) < MIN_PASSAGE_WORDS) return undefined;
  return { context: passage.join('\n\n'), question: paragraphs[q] as string };
}

/**
 * The instruction, context and target of a record. For chat and ShareGPT the conversation up to its last
 * assistant turn counts: user turns before the last user turn are the context (multi-turn RAG), else the
 * last user turn is split by splitPassage. System turns are never context.
 */
export function partsOf(record: Record<string, unknown>, format: DataFormat = formatOf(record) ?? 'alpaca'): ExampleParts {
  if (format === 'alpaca') {
    return { instruction: String(record['instruction'] ?? ''), context: typeof record['input'] === 'string' ? record['input'] : '', target: String(record['output'] ?? '') };
  }
  const turns = turnsOf(record, format);
  const lastAssistant = turns.findLastIndex((t) => t.role === 'assistant');
  const target = lastAssistant >= 0 ? (turns[lastAssistant] as { content: string }).content : '';
  const users = turns.slice(0, lastAssistant >= 0 ? lastAssistant : turns.length).filter((t) => t.role === 'user');
  const last = users.at(-1)?.content ?? '';
  if (users.length > 1) return { instruction: last, context: users.slice(0, -1).map((u) => u.content).join('\n\n'), target };
  const split = splitPassage(last);
  return split ? { instruction: split.question, context: split.context, target } : { instruction: last, context: '', target };
}

/** All the text of a record (every field a transform may search): instruction, input, output, or every turn. */
export function textOf(record: Record<string, unknown>, format: DataFormat): string {
  if (format === 'alpaca') return `${String(record['instruction'] ?? '')}\n${typeof record['input'] === 'string' ? record['input'] : ''}\n${String(record['output'] ?? '')}`;
  return turnsOf(record, format).map((t) => t.content).join('\n');
}
