// The curation of datasets/seeds/curation.json as lookups: facts a reference source disputes (left out),
// answers renamed to their reference name, and other names of answers. Each entry cites its source.
import { normalize } from '../core/text.ts';
import type { Curation, RenameSeed } from './seeds.ts';

export interface Curated {
  excluded(relation: string, subject: string): boolean;
  renamed(relation: string, object: string): RenameSeed | undefined;
  aliasesOf(value: string): readonly string[];
}

export function curationIndex(curation: Curation | undefined): Curated {
  const key = (relation: string, text: string) => `${relation}\u0000${normalize(text)}`;
  const excluded = new Set((curation?.exclude ?? []).map((e) => key(e.relation, e.subject)));
  const renames = new Map((curation?.rename ?? []).map((r) => [key(r.relation, r.from), r]));
  const aliases = new Map<string, string[]>();
  for (const a of curation?.aliases ?? []) aliases.set(normalize(a.value), [...(aliases.get(normalize(a.value)) ?? []), ...a.aliases]);
  return {
    excluded: (relation, subject) => excluded.has(key(relation, subject)),
    renamed: (relation, object) => renames.get(key(relation, object)),
    aliasesOf: (value) => aliases.get(normalize(value)) ?? [],
  };
}
