// Made-up entities, by type, for fabricated substitutes and unknown subjects. Built from faker's word and
// name lists so they read like names, and are checked against the real fact base by the caller.
import type { Faker } from '@faker-js/faker';
import { capitalize } from '../core/text.ts';
import type { Rng } from '../core/rng.ts';

type Maker = (faker: Faker, rng: Rng) => string;

const lastName = (f: Faker) => f.person.lastName().replace(/[^A-Za-z]/g, '');

/** Fabricators by entity type (subject types and answer types alike). */
export const fabricators: Readonly<Record<string, Maker>> = {
  country: (f, rng) => `${lastName(f)}${rng.pick(['ia', 'land', 'stan', 'onia', 'ar'])}`,
  city: (f) => f.location.city(),
  currency: (f, rng) => `${lastName(f)} ${rng.pick(['crown', 'mark', 'florin', 'thaler', 'dinar'])}`,
  language: (f, rng) => `${lastName(f)}${rng.pick(['ese', 'ic', 'ish', 'ian'])}`,
  nationality: (f, rng) => `${lastName(f)}${rng.pick(['ian', 'ese', 'ish'])}`,
  element: (f) => `${lastName(f)}ium`,
  person: (f) => `${f.person.firstName()} ${f.person.lastName()}`,
  book: (f) => `The ${capitalize(f.word.adjective())} ${capitalize(f.word.noun())}`,
  work: (f) => `The ${capitalize(f.word.adjective())} ${capitalize(f.word.noun())}`,
  word: (f) => f.word.noun(),
  element_symbol: (_faker, rng) => `${String.fromCharCode(65 + rng.int(26))}${String.fromCharCode(97 + rng.int(26))}`,
};
