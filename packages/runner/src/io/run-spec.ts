// A run as a file (`npx run benchmark --config run.yaml`, YAML or JSON): read and checked against the
// run-spec schema (ajv, with the file's line for each failure), merged under the command-line flags, and the
// resolved spec written into the run folder as run-config.yaml so that `--config RUN/run-config.yaml`
// repeats the run. The `yaml` package reads both formats (JSON is YAML 1.2) and keeps line positions.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Document, LineCounter, parseDocument, visit } from 'yaml';
import { asFsCpiError, CpiError, SCHEMA_VERSION, schemaIssues, SchemaValidationError, writeFileAtomic, type PromptTemplate, type RunSpec } from '@cpi-bench/schemas';

/** The resolved spec's name in a run folder. */
export const RUN_SPEC_FILE = 'run-config.yaml';
/** Where an editor finds the schema: the installed schemas package's copy, by absolute path. */
function runSpecSchemaPath(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@cpi-bench/schemas/package.json')), 'schemas', 'run-spec.schema.json');
  } catch {
    return 'https://cpi-bench.dev/schemas/run-spec.schema.json';
  }
}

export type CustomTemplateSpec = Extract<NonNullable<RunSpec['template']>, object>;
export type ReportSpec = NonNullable<RunSpec['report']>;

/** Reads, parses and validates a run file; relative paths in it are made absolute against its folder. */
export async function readRunSpec(file: string): Promise<RunSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CpiError('CPI_CONFIG_MISSING', 'no such run file', { file, hint: 'pass --config with a .yaml or .json file' });
    throw asFsCpiError(error, file);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new CpiError('CPI_CONFIG_INVALID', `is not valid YAML or JSON: ${e.message.split('\n')[0]}`, { file, line: lines.linePos(e.pos[0]).line });
  }
  const value: unknown = doc.toJS() ?? {};
  const issues = schemaIssues('runSpec', value, { file });
  if (issues.length > 0) {
    // Each failure names the line of the value it is about, found from its JSON pointer.
    for (const issue of issues) {
      const path = issue.pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0];
      if (offset !== undefined) issue.line = lines.linePos(offset).line;
    }
    throw new SchemaValidationError('runSpec', issues);
  }
  return absolutePaths(value as RunSpec, dirname(resolve(file)));
}

function absolutePaths(spec: RunSpec, base: string): RunSpec {
  const out: RunSpec = { ...spec };
  if (typeof spec.checkpoints === 'string') out.checkpoints = spec.checkpoints.split(',').map((p) => resolve(base, p.trim())).join(',');
  else if (spec.checkpoints) out.checkpoints = spec.checkpoints.map((p) => resolve(base, p));
  if (spec.dataset) out.dataset = resolve(base, spec.dataset);
  if (spec.out) out.out = resolve(base, spec.out);
  if (spec.report?.benchmarks) out.report = { ...spec.report, benchmarks: resolve(base, spec.report.benchmarks) };
  return out;
}

/** A custom template from a run file as the PromptTemplate the generator renders (format 'jinja'). */
export function customPromptTemplate(t: CustomTemplateSpec): PromptTemplate {
  return { schemaVersion: 1, id: t.id, format: 'jinja', description: t.description ?? 'a custom Jinja template from a run file', text: t.jinja };
}

/** The run file of a PromptTemplate (the inverse of customPromptTemplate), or its id for a built-in. */
export function templateSpecOf(template: string | PromptTemplate): NonNullable<RunSpec['template']> {
  if (typeof template === 'string') return template;
  return { id: template.id, ...(template.description !== undefined ? { description: template.description } : {}), jinja: template.text };
}

/**
 * Writes the resolved spec of a run into its folder (atomically), with a `$schema` line for editors and a
 * header saying how to repeat it.
 */
export async function writeRunSpec(runDir: string, spec: RunSpec): Promise<string> {
  const file = join(runDir, RUN_SPEC_FILE);
  const defined = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined));
  const doc = new Document({ $schema: runSpecSchemaPath(), schemaVersion: SCHEMA_VERSION, ...defined });
  // Strings with line breaks (a stop of "\n") read best as "\n"; a template's Jinja stays a block.
  visit(doc, { Scalar(key, node) { if (key !== 'value' && typeof node.value === 'string' && /^\s+$/.test(node.value)) node.type = 'QUOTE_DOUBLE'; } });
  const body = doc.toString({ lineWidth: 0 });
  await writeFileAtomic(file, `# The resolved settings of this run. Repeat it: npx run benchmark --config ${file}\n${body}`);
  return file;
}
