// Facts -> counterfactual items. For each sampled fact: a conflict item (the context states a substitute),
// its aligned twin (same template, true object), a closed-book twin (question only) and, where it makes
// sense, an unknown-subject item (a fabricated subject, answerable only from the context). Pure and seeded.
import { Faker, base, en } from '@faker-js/faker';
import { CpiError, type ConflictItem, type Fact } from '@cpi-bench/schemas';
import { fillers, findRelation, relationIds, type Relation } from '../facts/relations.ts';
import { fabricators } from '../strategies/fabricate.ts';
import { getStrategies, strategyIds } from '../strategies/registry.ts';
import type { Substitution, SubstitutionStrategy } from '../strategies/types.ts';
import { answerOffset, answersOverlap, capitalize, containsAnswer, indefiniteArticle, normalize } from './text.ts';
import { Rng, hashString } from './rng.ts';

export interface GenerateOptions {
  /** @default 1 */
  seed?: number;
  /** Relation ids; @default all */
  relations?: readonly string[];
  /** Facts sampled per relation (seeded); @default all facts */
  perRelation?: number;
  /** Substitution strategy ids; @default all */
  strategies?: readonly string[];
  /** Conflict variants per fact, each with its own substitute, context and twins (group ids `<fact>/v<k>`). @default 1 */
  variants?: number;
  /** The items' dataset id. @default 'cpi-facts' */
  dataset?: string;
  /** Share of groups whose context adds a distractor sentence about another fact. @default 0.2 */
  distractorRate?: number;
  /** Share of conflict contexts that also state the true fact ("Many people believe …; in fact …"). @default 0.1 */
  mentionsParametricRate?: number;
}

export interface GenerateResult {
  items: ConflictItem[];
  /** Facts that yielded items, sorted by id. */
  facts: Fact[];
  /** Facts left out, and why (no acceptable substitute, say). */
  skipped: { factId: string; reason: string }[];
}

type Frame = 'start' | 'middle' | 'end' | 'believed';
const POSITION_FRAMES: readonly Frame[] = ['start', 'middle', 'end'];

/** Resolves and checks the option lists, so an unknown id fails before any work. */
export function resolveGenerateOptions(options: GenerateOptions): Required<GenerateOptions> {
  const relations = options.relations ?? relationIds;
  const unknown = relations.filter((r) => !findRelation(r));
  if (unknown.length > 0) {
    throw new CpiError('CPI_UNKNOWN_RELATION', `unknown relation${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`, {
      hint: `valid relations: ${relationIds.join(', ')}`,
    });
  }
  const strategies = options.strategies ?? strategyIds;
  getStrategies(strategies);
  if (options.perRelation !== undefined && !(Number.isInteger(options.perRelation) && options.perRelation > 0)) {
    throw new CpiError('CPI_INVALID_OPTION', `perRelation must be a positive integer, got ${options.perRelation}`);
  }
  if (options.variants !== undefined && !(Number.isInteger(options.variants) && options.variants > 0)) {
    throw new CpiError('CPI_INVALID_OPTION', `variants must be a positive integer, got ${options.variants}`);
  }
  return {
    seed: options.seed ?? 1,
    variants: options.variants ?? 1,
    relations: [...new Set(relations)].sort(),
    perRelation: options.perRelation ?? Number.POSITIVE_INFINITY,
    strategies: [...new Set(strategies)],
    dataset: options.dataset ?? 'cpi-facts',
    distractorRate: options.distractorRate ?? 0.2,
    mentionsParametricRate: options.mentionsParametricRate ?? 0.1,
  };
}

function fillClause(clause: string, subject: string, object: string): string {
  // {a_object} before {object}; values never contain slot names, so chained replacement is safe.
  let out = clause.replaceAll('{subject}', subject);
  if (out.includes('{a_object}')) out = out.replaceAll('{a_object}', `${indefiniteArticle(object)} ${object}`);
  return out.replaceAll('{object}', object);
}

function sentence(clause: string): string {
  return capitalize(clause) + '.';
}

interface ContextPlan {
  frame: Frame;
  clause: string;
  clauseIndex: number;
  fillerSentences: [string, string];
  /** Index among the sentences where the distractor goes, with its text; undefined for none. */
  distractor: { at: number; text: string } | undefined;
}

function renderContext(plan: ContextPlan, subject: string, object: string, trueObject: string, aligned: boolean): string {
  const fill = (s: string) => s.replaceAll('{subject}', subject);
  const [f1, f2] = plan.fillerSentences.map(fill) as [string, string];
  let statement: string;
  let parts: string[];
  if (plan.frame === 'believed') {
    const believed = `Many people believe that ${fillClause(plan.clause, subject, trueObject)}.`;
    statement = aligned ? `${believed} Indeed, ${fillClause(plan.clause, subject, object)}.` : `${believed} In fact, ${fillClause(plan.clause, subject, object)}.`;
    parts = [f1, statement, f2];
  } else {
    statement = sentence(fillClause(plan.clause, subject, object));
    parts = plan.frame === 'start' ? [statement, f1, f2] : plan.frame === 'middle' ? [f1, statement, f2] : [f1, f2, statement];
  }
  if (plan.distractor) parts.splice(plan.distractor.at, 0, plan.distractor.text);
  return parts.join(' ');
}

function answerPosition(context: string, answer: string): ConflictItem['answerPosition'] | undefined {
  const at = answerOffset(context, answer);
  if (at < 0) return undefined;
  const charFraction = Math.round((at / context.length) * 10000) / 10000;
  return { bucket: charFraction < 1 / 3 ? 'start' : charFraction < 2 / 3 ? 'middle' : 'end', charFraction };
}

type Flags = ConflictItem['flags'] | undefined;

/**
 * An item with a context, its keys in the schema's order (written out rather than through canonicalItem:
 * this runs a hundred thousand times in a large generation).
 */
function contextItem(
  base: { dataset: string; category: string; groupId: string; question: string; templateId: string; provenance: ConflictItem['provenance'] },
  id: string, split: ConflictItem['split'], context: string, contextAnswer: string, parametricAnswer: string | undefined,
  substitution: ConflictItem['substitution'] | undefined, flags: Flags,
): ConflictItem {
  const out: Partial<ConflictItem> = { schemaVersion: 1, id, dataset: base.dataset, category: base.category, split, groupId: base.groupId, context, question: base.question, contextAnswer };
  if (parametricAnswer !== undefined) out.parametricAnswer = parametricAnswer;
  if (substitution !== undefined) out.substitution = substitution;
  const position = answerPosition(context, contextAnswer);
  if (position !== undefined) out.answerPosition = position;
  if (flags !== undefined) out.flags = flags;
  out.templateId = base.templateId;
  out.provenance = base.provenance;
  return out as ConflictItem;
}

/**
 * Generates conflict, aligned, closed-book and unknown-subject items from `facts`.
 * @throws CpiError CPI_UNKNOWN_RELATION / CPI_UNKNOWN_STRATEGY listing the valid ids.
 * @example generateItems(await loadFactBase(), { seed: 1, relations: ['country_capital'], perRelation: 10 })
 */
export function generateItems(facts: readonly Fact[], options: GenerateOptions = {}): GenerateResult {
  const o = resolveGenerateOptions(options);
  const strategies = getStrategies(o.strategies);
  const root = new Rng(o.seed);
  const items: ConflictItem[] = [];
  const used: Fact[] = [];
  const skipped: GenerateResult['skipped'] = [];

  const poolByType = new Map<string, string[]>();
  const knownSubjects = new Set<string>();
  for (const f of facts) {
    const pool = poolByType.get(f.objectType) ?? [];
    pool.push(f.object);
    poolByType.set(f.objectType, pool);
    knownSubjects.add(f.subject);
  }
  for (const [type, pool] of poolByType) poolByType.set(type, [...new Set(pool)].sort());

  for (const relationId of o.relations) {
    const relation = findRelation(relationId) as Relation;
    const relationFacts = facts.filter((f) => f.relation === relationId);
    const usable = strategies.filter((s) => s.appliesTo(relation, relationFacts));
    if (usable.length === 0) {
      for (const f of relationFacts) skipped.push({ factId: f.id, reason: `no requested strategy applies to ${relationId}` });
      continue;
    }
    const rng = root.fork(`relation:${relationId}`);
    const faker = new Faker({ locale: [en, base], seed: hashString(`faker:${relationId}`, o.seed) });
    const sample = rng.shuffle(relationFacts).slice(0, o.perRelation);
    const fabricatedSubjects = new Set<string>();
    for (let k = 1; k <= o.variants; k++) for (const fact of sample) {
      const key = k === 1 ? fact.id : `${fact.id}/v${k}`;
      const group = makeGroup(key, fact, relation, relationFacts, usable, rng, faker, poolByType.get(relation.objectType) ?? [], knownSubjects, fabricatedSubjects, o);
      if ('reason' in group) skipped.push({ factId: key, reason: group.reason });
      else {
        items.push(...group.items);
        if (k === 1) used.push(fact);
      }
    }
  }
  items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  used.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { items, facts: used, skipped };
}

function makeGroup(
  key: string, fact: Fact, relation: Relation, relationFacts: readonly Fact[], strategies: readonly SubstitutionStrategy[], rng: Rng, faker: Faker,
  typePool: readonly string[], knownSubjects: ReadonlySet<string>, fabricatedSubjects: Set<string>, o: Required<GenerateOptions>,
): { items: ConflictItem[] } | { reason: string } {
  const acceptable = (candidate: string) => !answersOverlap(candidate, fact.object) && !containsAnswer(fact.subject, candidate);
  // Try the strategies in a seeded order; the first that yields an acceptable substitute wins.
  let chosen: { strategy: SubstitutionStrategy; substitution: Substitution } | undefined;
  for (const strategy of rng.shuffle(strategies)) {
    const substitution = strategy.substitute(fact, { rng, faker, relation, relationFacts, typePool, acceptable });
    if (substitution) {
      chosen = { strategy, substitution };
      break;
    }
  }
  if (!chosen) return { reason: 'no acceptable substitute' };
  const substitute = chosen.substitution.object;

  const questionIndex = rng.int(relation.questions.length);
  const question = (relation.questions[questionIndex] as string).replaceAll('{subject}', fact.subject);
  const clauseIndex = rng.int(relation.clauses.length);
  const pool = fillers[relation.subjectType] ?? [];
  const [fa, fb] = rng.shuffle(pool);
  const believed = rng.chance(o.mentionsParametricRate);
  const frame: Frame = believed ? 'believed' : rng.pick(POSITION_FRAMES);
  let distractor: ContextPlan['distractor'];
  if (rng.chance(o.distractorRate)) {
    const other = rng.pick(relationFacts);
    const clean = other.id !== fact.id && !answersOverlap(other.object, fact.object) && !answersOverlap(other.object, substitute) && !containsAnswer(other.subject, fact.object) && !containsAnswer(other.subject, substitute);
    if (clean) distractor = { at: rng.pick([1, 3]), text: `Meanwhile, ${fillClause(relation.clauses[rng.int(relation.clauses.length)] as string, other.subject, other.object)}.` };
  }
  const plan: ContextPlan = { frame, clause: relation.clauses[clauseIndex] as string, clauseIndex, fillerSentences: [fa ?? '', fb ?? ''], distractor };
  const templateId = `${relation.id}/c${clauseIndex}/${frame}`;

  let fabricatedSubject: string | undefined;
  if (relation.unknownSubject) {
    const make = fabricators[relation.subjectType];
    for (let i = 0; make && i < 10 && fabricatedSubject === undefined; i++) {
      const candidate = make(faker, rng);
      const clash = knownSubjects.has(candidate) || fabricatedSubjects.has(candidate) || answersOverlap(candidate, substitute) || answersOverlap(candidate, fact.object);
      if (!clash) fabricatedSubject = candidate;
    }
    if (fabricatedSubject) fabricatedSubjects.add(fabricatedSubject);
  }

  // Build, then check the contexts with the audit's own matcher; a distractor that breaks a check is dropped.
  const build = (p: ContextPlan) => ({
    conflict: renderContext(p, fact.subject, substitute, fact.object, false),
    aligned: renderContext({ ...p, distractor: p.distractor }, fact.subject, fact.object, fact.object, true),
    unknown: fabricatedSubject ? renderContext({ ...p, frame: p.frame === 'believed' ? 'middle' : p.frame }, fabricatedSubject, substitute, substitute, true) : undefined,
  });
  // Each context is normalised once; the answers' normal forms are memoised in normalize().
  const ok = (c: ReturnType<typeof build>) => {
    const has = (normalized: string, answer: string) => normalized.includes(` ${normalize(answer)} `);
    const conflict = ` ${normalize(c.conflict)} `;
    const aligned = ` ${normalize(c.aligned)} `;
    const unknown = c.unknown === undefined ? undefined : ` ${normalize(c.unknown)} `;
    return has(conflict, substitute) && (frame === 'believed' || !has(conflict, fact.object)) &&
      has(aligned, fact.object) && !has(aligned, substitute) &&
      (unknown === undefined || (has(unknown, substitute) && !has(unknown, fact.object)));
  };
  let contexts = build(plan);
  if (!ok(contexts) && plan.distractor) {
    plan.distractor = undefined;
    contexts = build(plan);
  }
  if (!ok(contexts)) return { reason: 'context failed its answer checks' };

  const distractorFlag = plan.distractor !== undefined;
  const provenance = { source: 'generator', factId: fact.id, licence: fact.licence };
  const substitution = { strategy: chosen.strategy.id, params: chosen.substitution.params };
  const base = { dataset: o.dataset, category: relation.id, groupId: key, question, templateId, provenance };
  const conflictFlags: Flags = frame === 'believed' ? (distractorFlag ? ['distractors', 'mentions_parametric'] : ['mentions_parametric']) : distractorFlag ? ['distractors'] : undefined;
  const twinFlags: Flags = distractorFlag ? ['distractors'] : undefined;
  const out: ConflictItem[] = [
    contextItem(base, `${key}:conflict`, 'conflict', contexts.conflict, substitute, fact.object, substitution, conflictFlags),
    contextItem(base, `${key}:aligned`, 'aligned', contexts.aligned, fact.object, fact.object, undefined, twinFlags),
    {
      schemaVersion: 1, id: `${key}:closed_book`, dataset: o.dataset, category: relation.id, split: 'closed_book', groupId: key, question,
      parametricAnswer: fact.object, templateId: `${relation.id}/q${questionIndex}`, provenance,
    },
  ];
  if (contexts.unknown && fabricatedSubject) {
    const unknownQuestion = (relation.questions[questionIndex] as string).replaceAll('{subject}', fabricatedSubject);
    const unknownBase = { ...base, question: unknownQuestion, templateId: `${relation.id}/c${clauseIndex}/${plan.frame === 'believed' ? 'middle' : plan.frame}` };
    const unknownSubstitution = { strategy: 'fabricated-subject', params: { subject: fabricatedSubject, ...chosen.substitution.params } };
    out.push(contextItem(unknownBase, `${key}:unknown_subject`, 'unknown_subject', contexts.unknown, substitute, undefined, unknownSubstitution, twinFlags));
  }
  return { items: out };
}
