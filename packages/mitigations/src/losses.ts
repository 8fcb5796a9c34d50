// The per-example losses behind the paper's context-critical filter (§4): how surprising the target is
// with and without its context. The runner computes them (`npx run losses`); this file is the contract
// between the two: the prompts scored, the record written per example, and the table the filter reads.
import { sha256 } from '@cpi-bench/schemas';
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

/**
 * The two scorings of one example: the target after the instruction with its context, and after the
 * instruction alone. Every format is rendered in the Alpaca prompt (chat data too: the base model the
 * losses come from has no chat template). `withContext` is undefined when the example has no context.
 */
export function lossRequests(record: Record<string, unknown>, format: DataFormat): { withContext?: LossRequest; withoutContext: LossRequest } {
  const { instruction, context, target } = partsOf(record, format);
  const without = { prompt: WITHOUT_INPUT.replace('{instruction}', () => instruction), continuation: target };
  if (context.trim() === '') return { withoutContext: without };
  return { withContext: { prompt: WITH_INPUT.replace('{instruction}', () => instruction).replace('{input}', () => context), continuation: target }, withoutContext: without };
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
}

/** One line of a losses file. A failed example is data: `ok: false` with the error. */
export type LossRecord =
  | (LossLineBase & { ok: true; withContext: TargetLoss | null; withoutContext: TargetLoss })
  | (LossLineBase & { ok: false; error: { code: string; message: string } });

/** The losses of a file, by example index. */
export type LossTable = ReadonlyMap<number, LossRecord>;
