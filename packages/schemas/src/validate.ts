// ajv validators for every document type, compiled once on first use. The schemas themselves live in
// ../schemas/*.schema.json; the TypeScript types in types.generated.ts are generated from them.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import common from '../schemas/common.schema.json' with { type: 'json' };
import fact from '../schemas/fact.schema.json' with { type: 'json' };
import conflictItem from '../schemas/conflict-item.schema.json' with { type: 'json' };
import datasetManifest from '../schemas/dataset-manifest.schema.json' with { type: 'json' };
import promptTemplate from '../schemas/prompt-template.schema.json' with { type: 'json' };
import checkpointManifest from '../schemas/checkpoint-manifest.schema.json' with { type: 'json' };
import runConfig from '../schemas/run-config.schema.json' with { type: 'json' };
import runSpec from '../schemas/run-spec.schema.json' with { type: 'json' };
import predictionRecord from '../schemas/prediction-record.schema.json' with { type: 'json' };
import checkpointMetrics from '../schemas/checkpoint-metrics.schema.json' with { type: 'json' };
import inversionReport from '../schemas/inversion-report.schema.json' with { type: 'json' };
import finetuneExample from '../schemas/finetune-example.schema.json' with { type: 'json' };
import mitigationReport from '../schemas/mitigation-report.schema.json' with { type: 'json' };
import { SchemaValidationError, type SchemaIssue } from './errors.ts';
import type {
  CheckpointManifest, CheckpointMetrics, ConflictItem, DatasetManifest, Fact, FinetuneExample,
  InversionReport, MitigationReport, PredictionRecord, PromptTemplate, RunConfig, RunSpec,
} from './types.generated.ts';

/** The document type each schema name validates. */
export interface SchemaTypes {
  fact: Fact;
  conflictItem: ConflictItem;
  datasetManifest: DatasetManifest;
  promptTemplate: PromptTemplate;
  checkpointManifest: CheckpointManifest;
  runConfig: RunConfig;
  runSpec: RunSpec;
  predictionRecord: PredictionRecord;
  checkpointMetrics: CheckpointMetrics;
  inversionReport: InversionReport;
  finetuneExample: FinetuneExample;
  mitigationReport: MitigationReport;
}
export type SchemaName = keyof SchemaTypes;

/** The raw JSON Schemas, by name, for tools that want them (docs, other validators). */
export const schemas: Readonly<Record<SchemaName, object>> = {
  fact, conflictItem, datasetManifest, promptTemplate, checkpointManifest, runConfig,
  predictionRecord, checkpointMetrics, inversionReport, finetuneExample, mitigationReport, runSpec,
};
export const schemaNames = Object.keys(schemas) as SchemaName[];

let ajv: Ajv2020 | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

function validatorFor<N extends SchemaName>(name: N): ValidateFunction<SchemaTypes[N]> {
  let fn = compiled.get(name);
  if (!fn) {
    ajv ??= new Ajv2020({
      allErrors: true, strict: true, allowUnionTypes: true, schemas: [common],
      // if/then and not blocks name properties defined on the parent schema, which strictRequired rejects.
      strictRequired: false,
    });
    fn = ajv.compile(schemas[name]);
    compiled.set(name, fn);
  }
  return fn as ValidateFunction<SchemaTypes[N]>;
}

/** Where a value came from, so failures can name the file and line. */
export interface Location {
  file?: string;
  line?: number;
}

/** The schema failures of `value`, or an empty list when it is valid. */
export function schemaIssues(name: SchemaName, value: unknown, where: Location = {}): SchemaIssue[] {
  const fn = validatorFor(name);
  if (fn(value)) return [];
  return (fn.errors ?? []).map((e) => toIssue(e, where));
}

/** Type guard: true when `value` is a valid document of schema `name`. */
export function isValid<N extends SchemaName>(name: N, value: unknown): value is SchemaTypes[N] {
  return validatorFor(name)(value);
}

/**
 * Returns `value` typed as the document, or throws a SchemaValidationError (code CPI_SCHEMA_INVALID)
 * listing every failure with its file, line and JSON pointer.
 * @example const item = validate('conflictItem', JSON.parse(line), { file, line: n });
 */
export function validate<N extends SchemaName>(name: N, value: unknown, where: Location = {}): SchemaTypes[N] {
  const issues = schemaIssues(name, value, where);
  if (issues.length > 0) throw new SchemaValidationError(name, issues);
  return value as SchemaTypes[N];
}

function toIssue(e: ErrorObject, where: Location): SchemaIssue {
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') message = `has unknown property "${String(e.params['additionalProperty'])}"`;
  else if (e.keyword === 'required') message = `is missing required property "${String(e.params['missingProperty'])}"`;
  else if (e.keyword === 'enum') message = `${message}: ${(e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  const issue: SchemaIssue = { pointer: e.instancePath, message };
  if (where.file !== undefined) issue.file = where.file;
  if (where.line !== undefined) issue.line = where.line;
  return issue;
}
