// What the fact base holds true, for checking substitutes: every value of a relation for a subject (across
// all its facts, with their other names and further values), and the other names of any answer. A
// counterfactual must contradict each true value, not only the one the item asks about.
import type { Fact } from '@cpi-bench/schemas';
import type { Relation } from '../facts/relations.ts';
import { answersOverlap, normalize } from './text.ts';

export interface FactIndex {
  /** Facts by relation and normalised subject. */
  bySubject: ReadonlyMap<string, readonly Fact[]>;
  /** Other names of an answer (objectAliases of the facts that have it as object). */
  namesOf(value: string): readonly string[];
}

export interface TrueValues {
  /** Other accepted answers: the fact's other names, then its further values and theirs, without the object. */
  accepted: readonly string[];
  /** Every true value and name, the object included. */
  all: readonly string[];
}

const subjectKey = (relation: string, subject: string) => `${relation}\u0000${normalize(subject)}`;

export function indexFacts(facts: readonly Fact[]): FactIndex {
  const bySubject = new Map<string, Fact[]>();
  const names = new Map<string, Set<string>>();
  for (const f of facts) {
    const key = subjectKey(f.relation, f.subject);
    bySubject.set(key, [...(bySubject.get(key) ?? []), f]);
    if (f.objectAliases && f.objectAliases.length > 0) {
      const set = names.get(f.object) ?? new Set<string>();
      for (const a of f.objectAliases) set.add(a);
      names.set(f.object, set);
    }
  }
  const sorted = new Map([...names].map(([k, v]) => [k, [...v]]));
  return { bySubject, namesOf: (value) => sorted.get(value) ?? [] };
}

/** Every value the fact base holds true for the fact's subject and relation, with their other names. */
export function trueValues(index: FactIndex, fact: Fact): TrueValues {
  const all: string[] = [fact.object];
  const push = (v: string) => {
    if (!all.some((x) => normalize(x) === normalize(v))) all.push(v);
  };
  for (const a of fact.objectAliases ?? []) push(a);
  for (const f of index.bySubject.get(subjectKey(fact.relation, fact.subject)) ?? [fact]) {
    for (const v of [f.object, ...(f.objectAliases ?? []), ...(f.otherObjects ?? [])]) {
      push(v);
      for (const n of index.namesOf(v)) push(n);
    }
  }
  return { accepted: all.slice(1), all };
}

/** `term` and its broader terms (novelist -> writer), normalised. */
function upward(term: string, broader: Readonly<Record<string, string>> | undefined): string[] {
  const out = [normalize(term)];
  for (let t = broader?.[term]; t !== undefined && !out.includes(normalize(t)); t = broader?.[t]) out.push(normalize(t));
  return out;
}

/**
 * True when `candidate` contradicts every true value: it neither equals, nests in nor shares a word with any,
 * and is neither a broader term of one (writer for a novelist) nor a narrower one (novelist for a writer).
 */
export function contradictsAll(candidate: string, truth: TrueValues, relation: Relation): boolean {
  const up = upward(candidate, relation.broader);
  for (const value of truth.all) {
    if (answersOverlap(candidate, value)) return false;
    if (relation.broader && (up.includes(normalize(value)) || upward(value, relation.broader).includes(normalize(candidate)))) return false;
  }
  return true;
}
