// Every prompt template, by id. Add a template by writing its file and listing it here (a test checks
// that each file in this folder is registered).
import { CpiError, type PromptTemplate } from '@cpi-bench/schemas';
import { alpaca, alpacaContextOnly } from './alpaca.ts';
import { chat, chatContextOnly } from './chat.ts';
import { plain, plainContextOnly } from './plain.ts';
import { shortAnswer } from './short-answer.ts';
import { tulu, tuluContextOnly } from './tulu.ts';

/** All prompt templates the runner can apply, in a stable order. */
export const promptTemplates: readonly PromptTemplate[] = Object.freeze([
  plain, plainContextOnly, alpaca, alpacaContextOnly, tulu, tuluContextOnly, chat, chatContextOnly, shortAnswer,
]);

const byId = new Map(promptTemplates.map((t) => [t.id, t]));

/**
 * The template with this id.
 * @throws CpiError CPI_UNKNOWN_TEMPLATE listing the valid ids.
 * @example renderPrompt(getPromptTemplate('alpaca'), item)
 */
export function getPromptTemplate(id: string): PromptTemplate {
  const template = byId.get(id);
  if (!template) {
    throw new CpiError('CPI_UNKNOWN_TEMPLATE', `unknown prompt template "${id}"`, {
      hint: `valid templates: ${promptTemplates.map((t) => t.id).join(', ')}`,
    });
  }
  return template;
}
