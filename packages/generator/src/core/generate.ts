// Facts -> counterfactual items. For each sampled fact: a conflict item (the context states a substitute),
// its aligned twin (same template, true object), a closed-book twin (question only) and, where it makes
// sense, an unknown-subject item (a fabricated subject, answerable only from the context). Pure and seeded.
import { Faker, base, en } from '@faker-js/faker';
import { CpiError, type ConflictItem, type Fact } from '@cpi-bench/schemas';
import { fillers, findRelation, relationIds, type Relation } from '../facts/relations.ts';
import { fabricators } from '../strategies/fabricate.ts';
import { getStrategies, strategyIds } from '../strategies/registry.ts';
import type { Substitution, SubstitutionStrategy } from '../strategies/types.ts';
import { answersOverlap, containsAnswer, normalize } from './text.ts';
import { POSITION_FRAMES, answerPosition, fillClause, renderContext, type ContextPlan, type Frame } from './context.ts';
import { trueValues, type FactIndex, indexFacts, contradictsAll } from './truth.ts';
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
  /**
   * Share of groups that also get a conflict_mp variant, whose context states the true fact too ("Many people
   * believe …; in fact …"). It is labelled (variant conflict_mp) and reported apart from the headline rate.
   * @default 0.1
   */
  mentionsParametricRate?: number;
}

export interface GenerateResult {
  items: ConflictItem[];
  /** Facts that yielded items, sorted by id. */
  facts: Fact[];
  /** Facts left out, and why (no acceptable substitute, say). */
  skipped: { factId: string; reason: string }[];
}

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

type Flags = ConflictItem['flags'] | undefined;

/**
 * An item with a context, its keys in the schema's order (written out rather than through canonicalItem:
 * this runs a hundred thousand times in a large generation).
 */
function contextItem(
  base: { dataset: string; category: string; groupId: string; question: string; templateId: string; provenance: ConflictItem['provenance'] },
  id: string, split: ConflictItem['split'], context: string, contextAnswer: string, parametricAnswer: string | undefined,
  substitution: ConflictItem['substitution'] | undefined, flags: Flags,
  aliases: { context: readonly string[]; parametric: readonly string[] }, variant?: ConflictItem['variant'], templateId: string = base.templateId,
): ConflictItem {
  const out: Partial<ConflictItem> = { schemaVersion: 1, id, dataset: base.dataset, category: base.category, split, groupId: base.groupId, context, question: base.question, contextAnswer };
  if (parametricAnswer !== undefined) out.parametricAnswer = parametricAnswer;
  if (aliases.context.length > 0) out.contextAliases = [...aliases.context];
  if (parametricAnswer !== undefined && aliases.parametric.length > 0) out.parametricAliases = [...aliases.parametric];
  if (substitution !== undefined) out.substitution = substitution;
  const position = answerPosition(context, contextAnswer);
  if (position !== undefined) out.answerPosition = position;
  if (flags !== undefined) out.flags = flags;
  if (variant !== undefined) out.variant = variant;
  out.templateId = templateId;
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
  const index = indexFacts(facts);

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
      const group = makeGroup(key, fact, relation, relationFacts, usable, rng, faker, poolByType.get(relation.objectType) ?? [], knownSubjects, fabricatedSubjects, o, index);
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
  typePool: readonly string[], knownSubjects: ReadonlySet<string>, fabricatedSubjects: Set<string>, o: Required<GenerateOptions>, index: FactIndex,
): { items: ConflictItem[] } | { reason: string } {
  // Every true value of the relation for this subject, across the fact base (Victor Hugo: novelist, poet,
  // playwright), with their other names: a substitute must contradict them all.
  const truth = trueValues(index, fact);
  const acceptable = (candidate: string) =>
    contradictsAll(candidate, truth, relation) && index.namesOf(candidate).every((n) => contradictsAll(n, truth, relation)) && !containsAnswer(fact.subject, candidate);
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
  // The headline conflict never names the true answer; a conflict_mp variant, drawn for some groups, does.
  const withMentionsVariant = rng.chance(o.mentionsParametricRate);
  const frame: Frame = rng.pick(POSITION_FRAMES);
  let distractor: ContextPlan['distractor'];
  if (rng.chance(o.distractorRate)) {
    const other = rng.pick(relationFacts);
    const clean = other.id !== fact.id && other.subject !== fact.subject && [fact.object, ...truth.accepted].every((t) => !answersOverlap(other.object, t) && !containsAnswer(other.subject, t)) &&
      !answersOverlap(other.object, substitute) && !containsAnswer(other.subject, substitute);
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
    conflict: renderContext(p, fact.subject, substitute, fact.object),
    mentions: withMentionsVariant ? renderContext({ ...p, frame: 'believed' }, fact.subject, substitute, fact.object) : undefined,
    aligned: renderContext(p, fact.subject, fact.object, fact.object),
    unknown: fabricatedSubject ? renderContext(p, fabricatedSubject, substitute, substitute) : undefined,
  });
  const substituteForms = [substitute, ...index.namesOf(substitute)];
  const trueForms = [fact.object, ...truth.accepted];
  // Each context is normalised once; the answers' normal forms are memoised in normalize().
  const ok = (c: ReturnType<typeof build>) => {
    const has = (normalized: string, answer: string) => normalized.includes(` ${normalize(answer)} `);
    const none = (normalized: string, answers: readonly string[]) => answers.every((a) => !has(normalized, a));
    const conflict = ` ${normalize(c.conflict)} `;
    const mentions = c.mentions === undefined ? undefined : ` ${normalize(c.mentions)} `;
    const aligned = ` ${normalize(c.aligned)} `;
    const unknown = c.unknown === undefined ? undefined : ` ${normalize(c.unknown)} `;
    return has(conflict, substitute) && none(conflict, trueForms) &&
      (mentions === undefined || (has(mentions, substitute) && has(mentions, fact.object))) &&
      has(aligned, fact.object) && none(aligned, substituteForms) &&
      (unknown === undefined || (has(unknown, substitute) && none(unknown, trueForms)));
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
  const twinFlags: Flags = distractorFlag ? ['distractors'] : undefined;
  const parametricAliases = truth.accepted;
  const substituteAliases = index.namesOf(substitute);
  const conflictAliases = { context: substituteAliases, parametric: parametricAliases };
  // An implausible number is a different task (ClashEval): labelled, and kept out of the headline rate.
  const absurd = chosen.substitution.params['level'] === 'absurd' ? 'conflict_absurd' : undefined;
  const out: ConflictItem[] = [
    contextItem(base, `${key}:conflict`, 'conflict', contexts.conflict, substitute, fact.object, substitution, twinFlags, conflictAliases, absurd),
    contextItem(base, `${key}:aligned`, 'aligned', contexts.aligned, fact.object, fact.object, undefined, twinFlags, { context: fact.objectAliases ?? [], parametric: parametricAliases }),
    {
      schemaVersion: 1, id: `${key}:closed_book`, dataset: o.dataset, category: relation.id, split: 'closed_book', groupId: key, question,
      parametricAnswer: fact.object, ...(parametricAliases.length > 0 ? { parametricAliases: [...parametricAliases] } : {}), templateId: `${relation.id}/q${questionIndex}`, provenance,
    },
  ];
  if (contexts.mentions !== undefined) {
    const flags: Flags = distractorFlag ? ['distractors', 'mentions_parametric'] : ['mentions_parametric'];
    out.push(contextItem(base, `${key}:conflict_mp`, 'conflict', contexts.mentions, substitute, fact.object, substitution, flags, conflictAliases, 'conflict_mp', `${relation.id}/c${clauseIndex}/believed`));
  }
  if (contexts.unknown && fabricatedSubject) {
    const unknownQuestion = (relation.questions[questionIndex] as string).replaceAll('{subject}', fabricatedSubject);
    const unknownBase = { ...base, question: unknownQuestion };
    const unknownSubstitution = { strategy: 'fabricated-subject', params: { subject: fabricatedSubject, ...chosen.substitution.params } };
    out.push(contextItem(unknownBase, `${key}:unknown_subject`, 'unknown_subject', contexts.unknown, substitute, undefined, unknownSubstitution, twinFlags, { context: substituteAliases, parametric: [] }));
  }
  return { items: out };
}
