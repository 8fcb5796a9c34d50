// The lab's finetuning data as a file a user would have: Alpaca examples (`instruction`, `input`, `output`)
// in the lab's plain template, so the product's mitigations (`npx mitigate`) can transform it exactly as they
// transform a user's data, and the lab can finetune on what they return. Pure and seeded.
import { contextSentence, plainPrompt, questionFor } from './facts.ts';
import type { LabContext } from './experiment.ts';
import type { Row } from './examples.ts';
import { createRng } from './rng.ts';

/** One finetuning example in Alpaca's fields: the question, its context (empty for none), the answer. */
export interface AlpacaExample { instruction: string; input: string; output: string }

/**
 * The baseline finetuning set of configuration H as data: every finetuning known subject once with a true
 * context (non-context-critical: 131 of 281 with the default world, 47%) and every finetuning unknown subject
 * once with its fixed answer (context-critical, memorisable), in a seeded order. Sampling rows of this file
 * uniformly is the on-the-fly mix of `finetuneRow` at its default setting, up to the 47% versus 50% share.
 */
export function baselineFinetuneData(ctx: LabContext): AlpacaExample[] {
  const example = (subject: string, answer: string): AlpacaExample => ({ instruction: questionFor(subject), input: contextSentence(subject, answer), output: answer });
  const all = [...ctx.world.knownTrain.map((f) => example(f.subject, f.object)), ...ctx.world.unknownTrain.map((f) => example(f.subject, f.object))];
  return createRng(ctx.options.seed + 17).shuffle(all);
}

/**
 * Finetuning rows of Alpaca records (the baseline or what a mitigation returned): the plain template's
 * prompt (no context block when `input` is empty), the answer after a space and end-of-text, loss on the
 * answer only, as `finetuneRow` builds them. An example longer than the model's positions (a long
 * substitute name from the fact base) is left out and counted, rather than stopping the run.
 */
export function rowsFromExamples(ctx: LabContext, examples: readonly { instruction: string; input?: string; output: string }[]): { rows: Row[]; tooLong: number } {
  const rows: Row[] = [];
  let tooLong = 0;
  for (const e of examples) {
    const context = e.input === undefined || e.input.trim() === '' ? undefined : e.input;
    const prompt = ctx.encode(plainPrompt(e.instruction, context));
    const row = { ids: [...prompt, ...ctx.encode(' ' + e.output), ctx.eotId], lossFrom: prompt.length };
    if (row.ids.length > ctx.nPositions) tooLong++;
    else rows.push(row);
  }
  return { rows, tooLong };
}
