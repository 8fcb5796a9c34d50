// The per-example losses behind the paper's context-critical filter (§4): how surprising the target is
// with and without its context. The runner computes them (`npx run losses`); this file is the contract
// between the two: the prompts scored, the record written per example, and the table the filter reads.
import { getPromptTemplate, renderPrompt } from '@cpi-bench/generator';
import { CpiError, sha256, type ConflictItem, type PromptTemplate } from '@cpi-bench/schemas';
import { partsOf } from './parts.ts';
import type { DataFormat } from './formats.ts';

/** Stanford Alpaca's training prompts (train.py PROMPT_DICT): the form Alpaca-style finetuning sees. */
const WITH_INPUT = 'Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:';
const WITHOUT_INPUT = 'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:';

/** A prompt and the continuation whose loss is measured (the target, as Stanford's train.py appends it). */
export interface LossRequest {
  prompt: string;
  continuation: string;
}

/** The prompt form of Stanford Alpaca's train.py, the default of `npx run losses --template`. */
export const STANFORD_ALPACA_PROMPT = 'stanford-alpaca';

/**
 * The two scorings of one example: the target after the instruction with its context, and after the
 * instruction alone. By default every format is rendered in Stanford Alpaca's training prompt (chat data
 * too: the base model the losses come from has no chat template). `template` names another prompt form:
 * one of the generator's non-chat templates (`plain`, `alpaca`, `tulu`, ...), with the instruction as the
 * question and the context as the context, for data that is finetuned in that form (the toy lab's `plain`).
 * Its answer follows after a space, as the runner scores answers. `withContext` is undefined when the
 * example has no context.
 */
export function lossRequests(record: Record<string, unknown>, format: DataFormat, template: string = STANFORD_ALPACA_PROMPT): { withContext?: LossRequest; withoutContext: LossRequest } {
  const { instruction, context, target } = partsOf(record, format);
  if (template !== STANFORD_ALPACA_PROMPT) {
    const t = lossTemplate(template);
    // renderPrompt reads only the question and the context of an item (and `prompt`, absent here). The
    // leading space is the runner's continuationOf (not importable here: the runner depends on this package).
    const render = (c: string | undefined): LossRequest => ({ prompt: renderPrompt(t, { question: instruction, ...(c === undefined ? {} : { context: c }) } as ConflictItem), continuation: ' ' + target });
    const bare = render(undefined);
    return context.trim() === '' ? { withoutContext: bare } : { withContext: render(context), withoutContext: bare };
  }
  const without = { prompt: WITHOUT_INPUT.replace('{instruction}', () => instruction), continuation: target };
  if (context.trim() === '') return { withoutContext: without };
  return { withContext: { prompt: WITH_INPUT.replace('{instruction}', () => instruction).replace('{input}', () => context), continuation: target }, withoutContext: without };
}

/** The generator template `id`, refused when unknown or when it needs a checkpoint's chat template. */
export function lossTemplate(id: string): PromptTemplate {
  const t = getPromptTemplate(id);
  if (t.format === 'chat-template' || t.format === 'jinja') {
    throw new CpiError('CPI_INVALID_OPTION', `--template ${id} needs a checkpoint's chat template; losses take a text prompt form (${STANFORD_ALPACA_PROMPT}, plain, alpaca, tulu, ...)`, { hint: `use --template ${STANFORD_ALPACA_PROMPT} (the default) or plain` });
  }
  return t;
}

/** Identifies an example's content, so losses computed for other data are refused. */
export function exampleHash(record: Record<string, unknown>): string {
  return sha256(JSON.stringify(record)).slice(0, 16);
}

/** Mean per-token negative log-likelihood of the target, and its token count. */
export interface TargetLoss {
  loss: number;
  tokens: number;
}

/** What every line of a losses file says about where it came from. */
interface LossLineBase {
  schemaVersion: 1;
  /** 0-based position of the example in the data file. */
  index: number;
  /** exampleHash of the example, so losses of other data are refused. */
  hash: string;
  /** modelHash of the checkpoint that scored it, so a resumed run cannot mix two models. */
  model: string;
  /** The prompt form it was scored in (`lossRequests`' template); absent means Stanford Alpaca's. */
  template?: string;
}

/** One line of a losses file. A failed example is data: `ok: false` with the error. */
export type LossRecord =
  | (LossLineBase & { ok: true; withContext: TargetLoss | null; withoutContext: TargetLoss })
  | (LossLineBase & { ok: false; error: { code: string; message: string } });

/** The losses of a file, by example index. */
export type LossTable = ReadonlyMap<number, LossRecord>;
