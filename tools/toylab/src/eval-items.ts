// The lab's evaluation suite as ConflictItems (conflict / aligned / closed_book / unknown_subject), the
// same items the in-training probe scores, so the runner and the probe measure one thing.
import { SCHEMA_VERSION, validate, type ConflictItem } from '@cpi-bench/schemas';
import { contextSentence, questionFor, type ToyFact, type ToyWorld } from './facts.ts';
import type { Rng } from './rng.ts';

export const TOY_DATASET = 'toy-capitals';
const CATEGORY = 'country_capital';

/** Picks an object different from `avoid`. */
function otherObject(objects: readonly string[], avoid: string, rng: Rng): string {
  for (;;) {
    const o = rng.pick(objects);
    if (o !== avoid) return o;
  }
}

/**
 * Builds the evaluation items: for every known fact a conflict twin (context names another capital), an
 * aligned twin and a closed-book twin (sharing a groupId), and for every held-out unknown subject an
 * unknown_subject item with a random capital. Held-out known subjects get split tag `heldout` in their id.
 */
export function buildEvalItems(world: ToyWorld, rng: Rng): ConflictItem[] {
  const items: ConflictItem[] = [];
  const base = (fact: ToyFact, split: ConflictItem['split'], pool: string) => ({
    schemaVersion: SCHEMA_VERSION, id: `${TOY_DATASET}/${split}/${pool}/${fact.id}`, dataset: TOY_DATASET, category: CATEGORY,
    split, groupId: fact.id, question: questionFor(fact.subject),
    provenance: { source: 'toylab', factId: fact.id, licence: fact.known ? 'countries-list (MIT)' : 'invented by toylab' },
  });
  const known: [ToyFact, string][] = [...world.knownTrain.map((f) => [f, 'ft'] as [ToyFact, string]), ...world.knownHeldOut.map((f) => [f, 'heldout'] as [ToyFact, string])];
  for (const [fact, pool] of known) {
    const counterfactual = otherObject(world.objects, fact.object, rng);
    items.push({ ...base(fact, 'conflict', pool), context: contextSentence(fact.subject, counterfactual), contextAnswer: counterfactual, parametricAnswer: fact.object, substitution: { strategy: 'random-capital' } });
    items.push({ ...base(fact, 'aligned', pool), context: contextSentence(fact.subject, fact.object), contextAnswer: fact.object, parametricAnswer: fact.object });
    items.push({ ...base(fact, 'closed_book', pool), parametricAnswer: fact.object });
  }
  for (const fact of world.unknownHeldOut) {
    const answer = rng.pick(world.objects);
    items.push({ ...base(fact, 'unknown_subject', 'heldout'), context: contextSentence(fact.subject, answer), contextAnswer: answer });
  }
  return items.map((item, i) => validate('conflictItem', item, { line: i + 1 }));
}
