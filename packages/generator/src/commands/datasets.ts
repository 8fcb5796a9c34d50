// `npx generate datasets`: fact base -> generated items, plus the paper's datasets -> one suite folder.
import { createRequire } from 'node:module';
import { CpiError, type DatasetManifest } from '@cpi-bench/schemas';
import type { DatasetsConfig } from '../config.ts';
import { generateItems, resolveGenerateOptions, type GenerateOptions } from '../core/generate.ts';
import { buildSuite } from '../core/suite.ts';
import { PACKAGE_LICENCES } from '../facts/build.ts';
import { loadFactBase } from '../io/fact-sources.ts';
import { importPaperDatasets, type PaperImport } from '../io/paper.ts';
import { resolvePaperDir } from '../io/paths.ts';
import { writeSuite } from '../io/write-suite.ts';

// Read with require, not a JSON import: package.json sits outside src/ and dist/, which tsc would refuse to
// compile from; src/commands and dist/commands are both two levels below it.
export const GENERATOR_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
/** The generated dataset's id in the suite. */
export const GENERATED_DATASET = 'cpi-facts';

export interface ProgressEvent {
  stage: 'facts' | 'generate' | 'paper' | 'write' | 'done';
  message: string;
}

export interface DatasetsSummary {
  outDir: string;
  files: string[];
  manifest: DatasetManifest;
  facts: number;
  paper: { included: boolean; note?: string };
  skippedFacts: number;
  invalidItems: { id: string; message: string }[];
}

/**
 * Generates the suite described by `config` and writes it atomically into `config.outDir`.
 * @example await generateDatasets(resolveDatasetsConfig({ outDir: '/tmp/suite', perRelation: 10 }))
 */
export async function generateDatasets(config: DatasetsConfig, onProgress: (e: ProgressEvent) => void = () => {}): Promise<DatasetsSummary> {
  const generateOptions: GenerateOptions = {
    seed: config.seed, perRelation: config.perRelation, variants: config.variants, dataset: GENERATED_DATASET,
    ...(config.relations ? { relations: config.relations } : {}),
    ...(config.strategies ? { strategies: config.strategies } : {}),
  };
  // Unknown relations or strategies fail here, before any loading or writing.
  resolveGenerateOptions(generateOptions);
  onProgress({ stage: 'facts', message: 'loading the fact base (packages and seeds)' });
  const facts = await loadFactBase();
  onProgress({ stage: 'generate', message: `${facts.length} facts; generating items` });
  const generated = generateItems(facts, generateOptions);

  let paper: PaperImport = { included: false, note: 'not requested (--no-paper)', datasets: [], sources: [] };
  if (config.includePaper) {
    // A missing source refuses the whole run here, before the output folder is touched: writing a suite
    // without the paper's datasets would silently delete them from a folder that had them.
    const where = resolvePaperDir(config.paperDir);
    const missing = (note: string) =>
      new CpiError('CPI_PAPER_SOURCE_MISSING', `the paper's datasets are incomplete: ${note}; nothing was written`, {
        file: where.dir,
        hint: "pass --paper-dir with the folder holding locuslab/ and memotrap/, or --no-paper to leave the paper's datasets out",
      });
    if (!where.exists) throw missing(`${where.dir} does not exist`);
    onProgress({ stage: 'paper', message: 'importing the paper datasets' });
    paper = await importPaperDatasets(where.dir);
    if (paper.note !== undefined) throw missing(`${paper.note} (folder ${where.dir})`);
  }

  const byRelation: Record<string, number> = {};
  for (const f of generated.facts) byRelation[f.relation] = (byRelation[f.relation] ?? 0) + 1;
  const suite = buildSuite({
    datasets: [{ dataset: GENERATED_DATASET, items: generated.items }, ...paper.datasets],
    formats: config.formats,
    seed: config.seed,
    generatorVersion: GENERATOR_VERSION,
    options: {
      relations: config.relations ?? 'all',
      perRelation: config.perRelation,
      variants: config.variants,
      strategies: config.strategies ?? 'all',
      formats: config.formats,
      factBase: { facts: facts.length, factsUsed: generated.facts.length, byRelation: Object.fromEntries(Object.entries(byRelation).sort()), skipped: generated.skipped.length },
      paperDatasets: { included: paper.included, ...(paper.included ? {} : { note: 'absent' }), sources: paper.sources },
      sources: Object.entries(PACKAGE_LICENCES).map(([name, licence]) => ({ name, licence })).concat([
        { name: 'datasets/seeds (people, books, sayings, curation)', licence: 'CC0-1.0 compilation; sources per entry' },
        { name: 'locuslab/context-parametric-inversion', licence: 'unspecified' },
        { name: 'liujch1998/memo-trap', licence: 'MIT' },
      ]),
    },
  });
  onProgress({ stage: 'write', message: `writing ${suite.manifest.counts.total} items to ${config.outDir}` });
  const files = await writeSuite(config.outDir, suite);
  onProgress({ stage: 'done', message: `wrote ${files.length} files` });
  const paperSummary: DatasetsSummary['paper'] = { included: paper.included };
  if (paper.note !== undefined) paperSummary.note = paper.note;
  return { outDir: config.outDir, files, manifest: suite.manifest, facts: facts.length, paper: paperSummary, skippedFacts: generated.skipped.length, invalidItems: suite.invalid };
}
