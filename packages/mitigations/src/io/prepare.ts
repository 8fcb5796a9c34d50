// Loads what the planned transforms need, at the edge: the losses file, the evaluation suite's entities,
// the fact base's entity pool, and leak-guarded conflict items. Each is loaded once, only when needed.
import { generateItems, loadFactBase, normalize, readDataset } from '@cpi-bench/generator';
import { CpiError, readJsonl, type ConflictItem, type Fact } from '@cpi-bench/schemas';
import { readFile } from 'node:fs/promises';
import { buildEntityPool } from '../core/entity-pool.ts';
import { assertNoEvalLeak, buildEvalIndex, leakOf, type EvalIndex } from '../core/leak-guard.ts';
import { buildEntityMatcher, DEFAULT_STOP_WORDS } from '../entities.ts';
import type { LossRecord } from '../losses.ts';
import { needsOf, type PlannedStep } from '../pipeline.ts';
import type { MitigationContext } from '../types.ts';

/** The compromise-based entity finder, imported only when a transform needs it (the import takes ~1 s). */
export async function loadOpenEntityFinder(): Promise<(text: string) => { name: string; type: string }[]> {
  return (await import('../core/ner.ts')).findOpenEntities;
}

/** Reads a losses file written by `npx run losses`, by example index. */
export async function readLossFile(path: string): Promise<Map<number, LossRecord>> {
  const table = new Map<number, LossRecord>();
  const { records } = await readJsonl(path).catch((error: unknown) => {
    throw (error as { code?: string }).code ? error : new CpiError('CPI_FILE_UNREADABLE', `cannot read ${path}`, { file: path, cause: error });
  });
  for (const { value, line } of records) {
    const r = value as Partial<LossRecord> & { withoutContext?: { loss?: unknown } };
    const ok = typeof r.index === 'number' && typeof r.hash === 'string' && (r.ok === false || (r.ok === true && typeof r.withoutContext?.loss === 'number'));
    if (!ok) throw new CpiError('CPI_LOSS_FILE_INVALID', 'not a line of `npx run losses` (needs index, hash, ok and withoutContext.loss)', { file: path, line });
    table.set(r.index as number, value as LossRecord);
  }
  return table;
}

const lines = async (path: string) =>
  (await readFile(path, 'utf8').catch((error: unknown) => {
    throw new CpiError('CPI_FILE_UNREADABLE', `cannot read ${path}`, { file: path, cause: error });
  }))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

/** The fact base, loaded once per process. */
let facts: Promise<Fact[]> | undefined;
const factBase = () => (facts ??= loadFactBase());

type EvalSuite = { items: ConflictItem[]; index: EvalIndex; subjectOf: (item: ConflictItem) => string | undefined };

async function evalSuite(path: string): Promise<EvalSuite> {
  const [{ items }, base] = await Promise.all([readDataset(path), factBase()]);
  const subjectById = new Map(base.map((f) => [f.id, f.subject]));
  const subjectOf = (item: ConflictItem) => (item.provenance.factId ? subjectById.get(item.provenance.factId.replace(/\/v\d+$/, '')) : undefined);
  return { items, index: buildEvalIndex(path, items, subjectOf), subjectOf };
}

/**
 * The subjects and answers of a suite's question items. Unknown-subject items are left out (their subjects
 * are invented), and so are completion prompts (MemoTrap's answers are ordinary words).
 */
async function evalEntityNames(suite: Promise<EvalSuite>): Promise<string[]> {
  const { items, subjectOf } = await suite;
  const names = new Set<string>();
  for (const item of items) {
    if (!item.question || item.split === 'unknown_subject') continue;
    for (const name of [subjectOf(item), item.parametricAnswer, item.contextAnswer, ...(item.parametricAliases ?? []), ...(item.contextAliases ?? [])]) if (name) names.add(name);
  }
  return [...names];
}

/** Prepares the context for a plan: only what its transforms need. */
export async function prepareContext(plan: readonly PlannedStep[], base: MitigationContext): Promise<MitigationContext> {
  const needs = needsOf(plan);
  const param = (key: string) => plan.map((s) => s.params[key]).find((v) => v !== undefined && v !== null);
  const context: MitigationContext = { ...base };
  // A plan with both fact-overlap and counterfactual --source facts reads and indexes the suite once.
  let suite: Promise<EvalSuite> | undefined;
  const suiteAt = (path: string): Promise<EvalSuite> => (suite ??= evalSuite(path));
  if (needs.has('losses')) {
    const path = param('losses');
    if (typeof path === 'string') context.losses = await readLossFile(path);
  }
  if (needs.has('evalEntities')) {
    const entities = param('entities');
    const stopWords = param('stopWords');
    context.evalEntities = buildEntityMatcher(typeof entities === 'string' ? await lines(entities) : await evalEntityNames(suiteAt(String(param('evalSuite')))), {
      minLength: Number(param('minLength') ?? 3),
      stopWords: typeof stopWords === 'string' ? await lines(stopWords) : DEFAULT_STOP_WORDS,
    });
  }
  if (needs.has('entityPool')) {
    context.entityPool = buildEntityPool((await factBase()).flatMap((f) => [{ name: f.subject, type: f.subjectType }, { name: f.object, type: f.objectType }]));
  }
  if (needs.has('openEntities')) context.openEntities = await loadOpenEntityFinder();
  if (needs.has('counterfactualItems')) context.counterfactualItems = await guardedItems(suiteAt(String(param('evalSuite'))), param('items'), base.seed);
  return context;
}

/**
 * Conflict items to add. A user's --items file is refused whole if any item overlaps the suite; generated
 * items come from the facts the suite does not evaluate, and any that still overlap (a shared answer pair)
 * are left out. Both then pass the same assertion, so nothing from the suite is ever added.
 */
async function guardedItems(suiteRead: Promise<EvalSuite>, itemsPath: unknown, seed: number): Promise<ConflictItem[]> {
  const suite = await suiteRead;
  const { subjectOf } = suite;
  let items: ConflictItem[];
  if (typeof itemsPath === 'string') {
    items = (await readDataset(itemsPath, { splits: ['conflict'] })).items;
  } else {
    const unevaluated = (await factBase()).filter((f) => !suite.index.facts.has(f.id) && !suite.index.subjects.has(normalize(f.subject)) && !suite.index.questionPhrases.has(normalize(f.subject)));
    items = generateItems(unevaluated, { seed, dataset: 'cpi-augment' }).items.filter((i) => i.split === 'conflict' && leakOf(i, suite.index, subjectOf(i)) === undefined);
  }
  assertNoEvalLeak(items, suite.index, subjectOf);
  return items;
}
