// The one error family of cpi-bench. Every failure a user can cause (bad file, bad option, bad checkpoint)
// is a CpiError with a stable code; a plain Error means a bug in cpi-bench itself.

/** Stable, greppable error codes. Packages add their own, always prefixed `CPI_`. */
export type CpiErrorCode = `CPI_${string}`;

export interface CpiErrorOptions {
  /** File the problem is in, when there is one. */
  file?: string;
  /** 1-based line in that file. */
  line?: number;
  /** JSON pointer to the offending value. */
  pointer?: string;
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
}

/** An error the user can act on: a stable `code`, and where the problem is. */
export class CpiError extends Error {
  override readonly name: string = 'CpiError';
  readonly code: CpiErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly pointer: string | undefined;
  readonly hint: string | undefined;

  constructor(code: CpiErrorCode, message: string, options: CpiErrorOptions = {}) {
    super(withLocation(message, options) + (options.hint ? `\n  hint: ${options.hint}` : ''), { cause: options.cause });
    this.code = code;
    this.file = options.file;
    this.line = options.line;
    this.pointer = options.pointer;
    this.hint = options.hint;
  }
}

function withLocation(message: string, o: CpiErrorOptions): string {
  if (!o.file) return message;
  const where = `${o.file}${o.line !== undefined ? `:${o.line}` : ''}${o.pointer ? ` at ${o.pointer || '/'}` : ''}`;
  return `${where}: ${message}`;
}

/** One schema failure: where it is and what ajv said. */
export interface SchemaIssue {
  file?: string;
  line?: number;
  /** JSON pointer into the document ('' is the document itself). */
  pointer: string;
  message: string;
  /** A more specific code than CPI_SCHEMA_INVALID (e.g. CPI_JSON_TOO_DEEP), shown after the message. */
  code?: CpiErrorCode;
}

/** Formats an issue as `file:line pointer: message`, the form every CLI prints. */
export function formatSchemaIssue(issue: SchemaIssue): string {
  const file = issue.file ? `${issue.file}${issue.line !== undefined ? `:${issue.line}` : ''} ` : issue.line !== undefined ? `line ${issue.line} ` : '';
  return `${file}${issue.pointer || '/'}: ${issue.message}${issue.code ? ` (${issue.code})` : ''}`;
}

/** A document that does not match its schema. Lists every failure, not only the first. */
export class SchemaValidationError extends CpiError {
  override readonly name = 'SchemaValidationError';
  readonly issues: readonly SchemaIssue[];
  readonly schema: string;

  constructor(schema: string, issues: readonly SchemaIssue[], options: { maxListed?: number } = {}) {
    const max = options.maxListed ?? 20;
    const listed = issues.slice(0, max).map((i) => `  - ${formatSchemaIssue(i)}`);
    if (issues.length > max) listed.push(`  … and ${issues.length - max} more`);
    super('CPI_SCHEMA_INVALID', `${issues.length} ${issues.length === 1 ? 'value does' : 'values do'} not match the ${schema} schema:\n${listed.join('\n')}`);
    this.issues = issues;
    this.schema = schema;
  }
}

/** True for errors of the CpiError family (also across duplicated module copies). */
export function isCpiError(error: unknown): error is CpiError {
  if (error instanceof CpiError) return true;
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('CPI_');
}
