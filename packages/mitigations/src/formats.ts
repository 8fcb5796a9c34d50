// The three shapes finetuning data comes in, read without changing them: Alpaca (instruction/input/output,
// any extra fields kept), chat (`messages` with roles, as TULU v2 and UltraChat) and ShareGPT
// (`conversations` with from/value). A record is kept as the parsed object, so writing it back adds nothing.
import { CpiError } from '@cpi-bench/schemas';

export const FORMATS = ['alpaca', 'chat', 'sharegpt'] as const;
export type DataFormat = (typeof FORMATS)[number];

/** One example as read: the raw object, its 0-based position in the file and, for JSONL, its line. */
export interface Example {
  record: Record<string, unknown>;
  index: number;
  line?: number | undefined;
}

/** A turn of a conversation, in either chat or ShareGPT spelling, normalised to a role. */
export interface Turn {
  role: 'system' | 'user' | 'assistant' | 'other';
  content: string;
}

const SHAREGPT_ROLES: Readonly<Record<string, Turn['role']>> = { system: 'system', human: 'user', user: 'user', gpt: 'assistant', assistant: 'assistant', chatgpt: 'assistant', bing: 'assistant', bard: 'assistant' };
const CHAT_ROLES: Readonly<Record<string, Turn['role']>> = { system: 'system', user: 'user', assistant: 'assistant' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The format a record is in, or undefined when it is none of them. */
export function formatOf(record: unknown): DataFormat | undefined {
  if (!isObject(record)) return undefined;
  if (Array.isArray(record['messages'])) return 'chat';
  if (Array.isArray(record['conversations'])) return 'sharegpt';
  if (typeof record['instruction'] === 'string' && typeof record['output'] === 'string') return 'alpaca';
  return undefined;
}

/**
 * Why `record` is not a valid example of `format`, as a JSON pointer and message, or undefined when it is.
 * Extra fields are allowed in every format: datasets carry `text`, `id`, `source` and more.
 */
export function formatProblem(record: unknown, format: DataFormat): { pointer: string; message: string } | undefined {
  if (!isObject(record)) return { pointer: '', message: 'must be a JSON object' };
  if (format === 'alpaca') {
    for (const key of ['instruction', 'output'] as const) if (typeof record[key] !== 'string') return { pointer: `/${key}`, message: `must be a string (Alpaca needs "instruction" and "output")` };
    if (record['input'] !== undefined && record['input'] !== null && typeof record['input'] !== 'string') return { pointer: '/input', message: 'must be a string' };
    return undefined;
  }
  const key = format === 'chat' ? 'messages' : 'conversations';
  const [roleKey, textKey, roles] = format === 'chat' ? ['role', 'content', CHAT_ROLES] as const : ['from', 'value', SHAREGPT_ROLES] as const;
  const turns = record[key];
  if (!Array.isArray(turns) || turns.length === 0) return { pointer: `/${key}`, message: 'must be a non-empty array of turns' };
  for (const [i, turn] of turns.entries()) {
    if (!isObject(turn)) return { pointer: `/${key}/${i}`, message: 'must be an object' };
    // Other roles (tool, function_call, observation) are allowed and never read as user or assistant turns.
    if (typeof turn[roleKey] !== 'string') return { pointer: `/${key}/${i}/${roleKey}`, message: `must be a string such as ${Object.keys(roles).join(', ')}` };
    if (typeof turn[textKey] !== 'string') return { pointer: `/${key}/${i}/${textKey}`, message: 'must be a string' };
  }
  return undefined;
}

/** Reads a format option: one of FORMATS or 'auto'. */
export function parseFormatOption(value: string): DataFormat | 'auto' {
  if (value === 'auto' || (FORMATS as readonly string[]).includes(value)) return value as DataFormat | 'auto';
  throw new CpiError('CPI_MITIGATION_FORMAT', `unknown format "${value}"; valid: auto, ${FORMATS.join(', ')}`);
}

/** The turns of a chat or ShareGPT record, roles normalised. */
export function turnsOf(record: Record<string, unknown>, format: 'chat' | 'sharegpt'): Turn[] {
  const [key, roleKey, textKey, roles] = format === 'chat' ? ['messages', 'role', 'content', CHAT_ROLES] as const : ['conversations', 'from', 'value', SHAREGPT_ROLES] as const;
  return (record[key] as Record<string, unknown>[]).map((t) => ({ role: roles[String(t[roleKey]).toLowerCase()] ?? 'other', content: String(t[textKey]) }));
}

/**
 * A copy of `record` with every text field passed through `edit` (instruction, input and output; or every
 * turn's text). Other fields and key order are kept. Alpaca's `text` field, the rendered prompt some
 * datasets carry, is edited too so it stays consistent with the fields it was made from.
 */
export function mapTexts(record: Record<string, unknown>, format: DataFormat, edit: (text: string) => string): Record<string, unknown> {
  if (format === 'alpaca') {
    const out = { ...record };
    for (const key of ['instruction', 'input', 'output', 'text']) if (typeof out[key] === 'string') out[key] = edit(out[key] as string);
    return out;
  }
  const [key, textKey] = format === 'chat' ? ['messages', 'content'] : ['conversations', 'value'];
  return { ...record, [key]: (record[key] as Record<string, unknown>[]).map((t) => ({ ...t, [textKey]: edit(String(t[textKey])) })) };
}
