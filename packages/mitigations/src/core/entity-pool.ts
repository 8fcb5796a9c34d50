// Known entities by type (countries, cities, people, elements, …) from the generator's fact base, so an
// entity found in a user's example can be swapped for another real one of the same type.
import { buildEntityMatcher, wordsOf, type EntityMatcher } from '../entities.ts';

export interface EntityPool {
  /** Entity -> its type (the fact base's subjectType / objectType). */
  readonly typeOf: ReadonlyMap<string, string>;
  /** Type -> its entities, sorted, so a seeded pick is the same on every machine. */
  readonly byType: ReadonlyMap<string, readonly string[]>;
  readonly matcher: EntityMatcher;
}

/**
 * Builds the pool. An entity listed under two types keeps the first; numeric types (years, atomic numbers)
 * are left out by the matcher's rules, since a number in an answer is rarely the entity being asked about.
 */
export function buildEntityPool(entries: Iterable<{ name: string; type: string }>): EntityPool {
  const typeOf = new Map<string, string>();
  for (const { name, type } of entries) if (!typeOf.has(name)) typeOf.set(name, type);
  const matcher = buildEntityMatcher(typeOf.keys());
  const byType = new Map<string, string[]>();
  for (const [name, type] of typeOf) {
    const list = byType.get(type) ?? [];
    list.push(name);
    byType.set(type, list);
  }
  for (const list of byType.values()) list.sort();
  return { typeOf, byType, matcher };
}

/** True when the two names share a word (a substitute must not, or the swap is only half visible). */
export function shareWord(a: string, b: string): boolean {
  const words = new Set(wordsOf(a).map((w) => w.toLowerCase()));
  return wordsOf(b).some((w) => words.has(w.toLowerCase()));
}
