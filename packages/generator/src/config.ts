// The one configuration object of `npx generate datasets`, with its defaults merged in one place.
import { CpiError } from '@cpi-bench/schemas';
import type { SuiteFormat } from './core/suite.ts';
import { DEFAULT_SUITE_DIR } from './io/paths.ts';

export interface DatasetsConfig {
  /** @default datasets/default under the current directory */
  outDir: string;
  /** @default 1 */
  seed: number;
  /** @default all relations */
  relations?: string[];
  /** Facts sampled per relation. @default 60 */
  perRelation: number;
  /** Conflict variants per fact. @default 1 */
  variants: number;
  /** @default all strategies */
  strategies?: string[];
  /** JSONL is always written; CSV on request. @default ['jsonl'] */
  formats: SuiteFormat[];
  /** The paper's files; @default $CPI_PAPER_DATASETS or the copy shipped with the package (datasets/paper) */
  paperDir?: string;
  /** Import the paper's datasets when found. @default true */
  includePaper: boolean;
}

export const DEFAULT_SEED = 1;
export const DEFAULT_PER_RELATION = 60;

function positiveInt(name: string, value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new CpiError('CPI_INVALID_OPTION', `${name} must be a non-negative integer, got ${String(value)}`);
  return n;
}

/** Merges user options over the defaults and checks them (relation and strategy ids are checked by the generator). */
export function resolveDatasetsConfig(partial: Partial<Record<keyof DatasetsConfig, unknown>> = {}): DatasetsConfig {
  const list = (v: unknown) => (v === undefined ? undefined : (Array.isArray(v) ? v.map(String) : String(v).split(',')).map((s) => s.trim()).filter(Boolean));
  const formats = (list(partial.formats) ?? ['jsonl']) as string[];
  const badFormat = formats.filter((f) => f !== 'jsonl' && f !== 'csv');
  if (badFormat.length > 0) throw new CpiError('CPI_INVALID_OPTION', `unknown format ${badFormat.join(', ')}`, { hint: 'valid formats: jsonl, csv' });
  const config: DatasetsConfig = {
    outDir: partial.outDir === undefined ? DEFAULT_SUITE_DIR : String(partial.outDir),
    seed: partial.seed === undefined ? DEFAULT_SEED : positiveInt('seed', partial.seed),
    perRelation: partial.perRelation === undefined ? DEFAULT_PER_RELATION : positiveInt('per-relation', partial.perRelation),
    variants: partial.variants === undefined ? 1 : positiveInt('variants', partial.variants),
    formats: [...new Set(['jsonl', ...formats])] as SuiteFormat[],
    includePaper: partial.includePaper === undefined ? true : Boolean(partial.includePaper),
  };
  const relations = list(partial.relations);
  if (relations) config.relations = relations;
  const strategies = list(partial.strategies);
  if (strategies) config.strategies = strategies;
  if (partial.paperDir !== undefined) config.paperDir = String(partial.paperDir);
  return config;
}
