// Turns a template and an item into the exact model input, ending where the answer begins. A chat
// template's output is kept exactly as Hugging Face renders it (its generation prompt's trailing newline
// included); other formats lose trailing spaces only. The runner joins the answer to either (joinBoundary).
import { Template } from '@huggingface/jinja';
import { CpiError, type ConflictItem, type PromptTemplate } from '@cpi-bench/schemas';

export interface RenderOptions {
  /** A tokenizer's jinja chat template (chat_template.jinja or tokenizer_config.json); required by chat-template formats. */
  chatTemplate?: string;
  bosToken?: string;
  eosToken?: string;
}

const SLOT = /\{(context|question|prompt)\}/g;

/** Fills `{context}`, `{question}` and `{prompt}` in one pass, so slot-like text inside values stays as is. */
function fill(text: string, values: Partial<Record<'context' | 'question' | 'prompt', string>>): string {
  return text.replace(SLOT, (whole, name: 'context' | 'question' | 'prompt') => values[name] ?? whole);
}

const compiledChatTemplates = new Map<string, Template>();

function compile(source: string, code: 'CPI_CHAT_TEMPLATE_INVALID' | 'CPI_TEMPLATE_INVALID', what: string): Template {
  let template = compiledChatTemplates.get(source);
  if (!template) {
    try {
      template = new Template(source);
    } catch (error) {
      throw new CpiError(code, `${what} does not parse: ${(error as Error).message}`, { cause: error });
    }
    compiledChatTemplates.set(source, template);
  }
  return template;
}

/**
 * A user's template from a run file (format 'jinja'): its text is Jinja, given the fields the built-in
 * templates fill (context, question, prompt) plus bos_token and eos_token. `context` is undefined for
 * closed-book items and `question` falls back to a MemoTrap item's prompt, so one template serves every split.
 */
function renderJinjaTemplate(template: PromptTemplate, item: ConflictItem, options: RenderOptions): string {
  const compiled = compile(template.text, 'CPI_TEMPLATE_INVALID', `prompt template "${template.id}"`);
  let text: string;
  try {
    text = compiled.render({
      context: item.context,
      question: item.question ?? item.prompt,
      prompt: item.prompt,
      bos_token: options.bosToken ?? '',
      eos_token: options.eosToken ?? '',
    });
  } catch (error) {
    throw new CpiError('CPI_TEMPLATE_INVALID', `prompt template "${template.id}" failed to render item ${item.id}: ${(error as Error).message}`, { cause: error });
  }
  if (text.trim() === '') throw new CpiError('CPI_TEMPLATE_INVALID', `prompt template "${template.id}" renders item ${item.id} as empty text`);
  // The same end rule as the built-in forms: trailing spaces go (the answer brings its own), a final line break stays.
  return text.trimEnd() + (/\n[ \t]*$/.test(text) ? '\n' : '');
}

function renderChat(source: string, content: string, options: RenderOptions): string {
  const template = compile(source, 'CPI_CHAT_TEMPLATE_INVALID', 'the chat_template');
  try {
    return template.render({
      messages: [{ role: 'user', content }],
      add_generation_prompt: true,
      bos_token: options.bosToken ?? '',
      eos_token: options.eosToken ?? '',
    });
  } catch (error) {
    throw new CpiError('CPI_CHAT_TEMPLATE_INVALID', `the chat_template failed to render: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The full model input for `item` under `template`, ending exactly where the answer begins: a chat
 * template's output as rendered (it holds its own special tokens, so the runner encodes it without adding
 * any), other formats without trailing whitespace unless the template itself ends in a line break. Items without a context use the template's closed-book form; items with a `prompt`
 * (MemoTrap) render that prompt: as is for plain formats, in place of the question otherwise.
 * @throws CpiError CPI_TEMPLATE_NEEDS_CHAT_TEMPLATE for chat formats without `options.chatTemplate`.
 * @example renderPrompt(getPromptTemplate('plain'), item) // "Context: …\nQuestion: …\nAnswer:"
 */
export function renderPrompt(template: PromptTemplate, item: ConflictItem, options: RenderOptions = {}): string {
  if (template.format === 'jinja') return renderJinjaTemplate(template, item, options);
  let body: string;
  let form: string;
  if (item.prompt !== undefined) {
    form = template.format === 'plain' ? '' : (template.closedBookText ?? '{question}');
    body = template.format === 'plain' ? item.prompt : fill(form, { question: item.prompt });
  } else if (item.context === undefined) {
    form = template.closedBookText ?? '{question}';
    body = fill(form, { question: item.question ?? '' });
  } else {
    form = template.text;
    body = fill(form, { context: item.context, question: item.question ?? '' });
  }
  if (template.format === 'chat-template') {
    if (options.chatTemplate === undefined) {
      throw new CpiError('CPI_TEMPLATE_NEEDS_CHAT_TEMPLATE', `prompt template "${template.id}" needs the tokenizer's chat_template`, {
        hint: 'give the checkpoint a chat template (chat_template.jinja, or chat_template in tokenizer_config.json), or use the plain, alpaca or tulu template',
      });
    }
    return renderChat(options.chatTemplate, body, options);
  }
  // A form that ends in a line break (TULU's "<|assistant|>\n", Alpaca's "### Response:\n") keeps exactly it.
  return body.trimEnd() + (form.endsWith('\n') ? '\n' : '');
}
