// Counterfactual rewriting of a user's own example (§6 of the paper, on the user's data rather than the
// evaluation suite): an entity that is both in the context and in the target is replaced everywhere in
// the example by another real entity of the same type, so the target follows the (now counterfactual)
// context and can no longer be produced from memory.
import { mapTexts, type DataFormat } from '../formats.ts';
import { partsOf } from '../parts.ts';
import { shareWord, type EntityPool } from './entity-pool.ts';

const MAX_TRIES = 20;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const wholeWord = (entity: string) => new RegExp(`(?<![\\p{L}\\p{N}])${escape(entity)}(?![\\p{L}\\p{N}])`, 'gu');

export interface Substituted {
  record: Record<string, unknown>;
  entity: string;
  substitute: string;
  type: string;
}

/**
 * The counterfactual copy of `record`, or undefined when no known entity is in both its context and its
 * target (or no same-type substitute fits). `openEntities` finds entities the fact base does not list. The substitute is drawn with `rng` from the entity's type,
 * never one already in the example or sharing a word with the original (the generator's same-type swap).
 */
export function substituteEntity(
  record: Record<string, unknown>, format: DataFormat, pool: EntityPool, rng: () => number,
  openEntities?: (text: string) => { name: string; type: string }[],
): Substituted | undefined {
  const { context, target, instruction } = partsOf(record, format);
  if (context.trim() === '' || target.trim() === '') return undefined;
  const all = `${instruction}\n${context}\n${target}`;
  // Fact-base entities first (typed exactly); then, if given, open-text entities typed by the NLP library.
  const found = pool.matcher.findAll(target).map((name) => ({ name, type: pool.typeOf.get(name) as string }));
  const entities = found.length > 0 || !openEntities ? found : openEntities(target);
  for (const { name: entity, type } of entities) {
    if (!wholeWord(entity).test(context) || !wholeWord(entity).test(target)) continue;
    const candidates = pool.byType.get(type) ?? [];
    for (let i = 0; i < MAX_TRIES && candidates.length > 0; i++) {
      const substitute = candidates[Math.floor(rng() * candidates.length)] as string;
      if (substitute === entity || shareWord(substitute, entity) || wholeWord(substitute).test(all)) continue;
      return { record: mapTexts(record, format, (text) => text.replace(wholeWord(entity), () => substitute)), entity, substitute, type };
    }
  }
  return undefined;
}
