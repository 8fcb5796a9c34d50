import type { ConflictItem } from '@cpi-bench/schemas';

const KEY_ORDER: readonly (keyof ConflictItem)[] = [
  'schemaVersion', 'id', 'dataset', 'category', 'split', 'groupId', 'context', 'question', 'prompt', 'contextAnswer', 'parametricAnswer',
  'contextAliases', 'parametricAliases', 'substitution', 'answerPosition', 'flags', 'variant', 'templateId', 'provenance',
];

/** Item fields where optional ones may be given as undefined (and are then left out). */
export type ItemFields = { [K in keyof ConflictItem]?: ConflictItem[K] | undefined } & Pick<ConflictItem, 'id' | 'dataset' | 'category' | 'split' | 'provenance'>;

/** The item with its keys in the schema's order and undefined fields dropped, so JSON output is byte-stable. */
export function canonicalItem(fields: ItemFields): ConflictItem {
  const out: Record<string, unknown> = { schemaVersion: 1 };
  const given = fields as Record<string, unknown>;
  for (let i = 1; i < KEY_ORDER.length; i++) {
    const key = KEY_ORDER[i] as string;
    if (given[key] !== undefined) out[key] = given[key];
  }
  return out as ConflictItem;
}
