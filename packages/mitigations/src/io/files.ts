// Finetuning data on disk: Alpaca-style JSON arrays (as tatsu-lab/alpaca ships) or JSONL, in Alpaca or chat
// form. Raw files carry no schemaVersion; it is added on read so every example validates.
import { readFile } from 'node:fs/promises';
import { CpiError, SchemaValidationError, readJsonl, schemaIssues, toJsonl, validate, writeFileAtomic, writeJsonAtomic, type FinetuneExample, type SchemaIssue } from '@cpi-bench/schemas';
import { applyMitigation, type AppliedMitigation } from '../apply.ts';
import type { MitigationContext } from '../types.ts';

/** Reads finetuning examples from a `.json` array or a `.jsonl` file, validating each one. */
export async function readFinetuneFile(path: string): Promise<FinetuneExample[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CpiError('CPI_FILE_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, { file: path, cause: error });
  }
  const isArray = text.trimStart().startsWith('[');
  let raw: { value: unknown; line?: number }[];
  if (isArray) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CpiError('CPI_JSON_INVALID', `not valid JSON: ${(error as Error).message}`, { file: path });
    }
    raw = (parsed as unknown[]).map((value) => ({ value }));
  } else {
    raw = (await readJsonl(path)).records;
  }
  const issues: SchemaIssue[] = [];
  const examples = raw.map(({ value, line }, index) => {
    const withVersion = { schemaVersion: 1, ...(value as object) };
    const found = schemaIssues('finetuneExample', withVersion, line !== undefined ? { file: path, line } : { file: path });
    issues.push(...found.map((i) => (line === undefined ? { ...i, pointer: `/${index}${i.pointer}` } : i)));
    return withVersion as FinetuneExample;
  });
  if (issues.length > 0) throw new SchemaValidationError('finetuneExample', issues);
  return examples;
}

/** Reads a JSONL file of `{"id": string, "loss": number}` lines (per-example loss without the context). */
export async function readLossFile(path: string): Promise<Map<string, number>> {
  const losses = new Map<string, number>();
  for (const { value, line } of (await readJsonl(path)).records) {
    const rec = value as { id?: unknown; loss?: unknown };
    if (typeof rec.id !== 'string' || typeof rec.loss !== 'number' || !Number.isFinite(rec.loss)) {
      throw new CpiError('CPI_LOSS_FILE_INVALID', 'each line needs a string "id" and a finite number "loss"', { file: path, line });
    }
    losses.set(rec.id, rec.loss);
  }
  return losses;
}

/**
 * Reads `input`, applies the mitigation, and writes the examples (`.json` array or `.jsonl`, by extension)
 * and `<output>.report.json` atomically.
 */
export async function applyMitigationToFile(
  id: string,
  input: string,
  output: string,
  params: Record<string, unknown> = {},
  context: MitigationContext = { seed: 0 },
): Promise<AppliedMitigation> {
  const examples = await readFinetuneFile(input);
  const applied = applyMitigation(id, examples, params, context);
  applied.report.input.path = input;
  applied.report.output.path = output;
  validate('mitigationReport', applied.report);
  await writeFileAtomic(output, output.endsWith('.jsonl') ? toJsonl(applied.examples) : JSON.stringify(applied.examples, null, 2) + '\n');
  await writeJsonAtomic(`${output}.report.json`, applied.report);
  return applied;
}
