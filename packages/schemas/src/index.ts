export { CpiError, SchemaValidationError, formatSchemaIssue, isCpiError } from './errors.ts';
export type { CpiErrorCode, CpiErrorOptions, SchemaIssue } from './errors.ts';
export { validate, isValid, schemaIssues, schemas, schemaNames } from './validate.ts';
export type { SchemaName, SchemaTypes, Location } from './validate.ts';
export { readJsonl, streamJsonl, appendJsonl, toJsonl } from './io/jsonl.ts';
export type { JsonlLine, JsonlResult, JsonlSink, ReadJsonlOptions } from './io/jsonl.ts';
export { JSONL_MAX_LINE_BYTES, JSON_MAX_DEPTH, jsonDepthExceeded } from './io/json-depth.ts';
export { writeFileAtomic, writeFileAtomicWith, writeJsonAtomic, writeDirAtomic, pathExists } from './io/atomic.ts';
export { asFsCpiError } from './io/fs-errors.ts';
export { sha256, sha256File } from './io/hash.ts';
export { installedVersion, packageJsonVersion } from './io/package-version.ts';
export { mulberry32 } from './random.ts';
export { stepFromName } from './step-name.ts';
export { describeCliError, throwParseErrors, EXIT_USER_ERROR, EXIT_INTERNAL_ERROR } from './cli-errors.ts';
export type * from './types.generated.ts';
/** The schemaVersion every document written by this version carries. */
export const SCHEMA_VERSION = 1 as const;
