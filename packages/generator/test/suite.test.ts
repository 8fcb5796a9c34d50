import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { isValid, sha256 } from '@cpi-bench/schemas';
import { buildSuite, generateDatasets, promptTemplates, readDataset, renderPrompt, resolveDatasetsConfig, writeSuite } from '../src/index.ts';
import { COMMITTED_SUITE_DIR as DEFAULT_SUITE_DIR, PAPER, tempDir } from './helpers.ts';

describe('the committed default suite', () => {
  it('is reproduced byte for byte by `generate datasets --out DIR`', async () => {
    const out = join(tempDir(), 'suite');
    const summary = await generateDatasets(resolveDatasetsConfig({ outDir: out }));
    const committed = readdirSync(DEFAULT_SUITE_DIR).sort();
    expect(readdirSync(out).sort()).toEqual(committed);
    for (const name of committed) expect(readFileSync(join(out, name)).equals(readFileSync(join(DEFAULT_SUITE_DIR, name))), name).toBe(true);
    expect(summary.paper.included).toBe(true);
  });

  it('validates: every item, the manifest, and every hash and count in it', async () => {
    const manifest = JSON.parse(readFileSync(join(DEFAULT_SUITE_DIR, 'manifest.json'), 'utf8')) as unknown;
    expect(isValid('datasetManifest', manifest)).toBe(true);
    const m = manifest as { files: { path: string; sha256: string; bytes: number; items: number }[]; counts: { total: number } };
    for (const f of m.files) {
      const bytes = readFileSync(join(DEFAULT_SUITE_DIR, f.path));
      expect(sha256(bytes), f.path).toBe(f.sha256);
      expect(bytes.length).toBe(f.bytes);
    }
    const ds = await readDataset(DEFAULT_SUITE_DIR);
    expect(ds.items).toHaveLength(m.counts.total);
    expect(ds.skipped).toBe(0);
    expect(new Set(ds.items.map((i) => i.id)).size).toBe(ds.items.length);
    const total = m.files.reduce((n, f) => n + f.bytes, 0);
    expect(total).toBeLessThan(20 * 1024 * 1024);
  });

  it('renders every item under every non-chat template, ending where the answer begins', async () => {
    const { items } = await readDataset(DEFAULT_SUITE_DIR);
    for (const template of promptTemplates.filter((t) => t.format !== 'chat-template')) {
      for (const item of items) {
        const text = renderPrompt(template, item);
        const ending = template.format === 'plain' ? '' : '\n'; // tulu and alpaca keep the line break after their marker
        if (text !== text.trimEnd() + ending || text.length === 0) throw new Error(`${template.id} ${item.id}: bad ending`);
        if (item.prompt === undefined && !text.includes(item.question as string)) throw new Error(`${template.id} ${item.id}: question missing`);
      }
    }
  });
});

describe('generateDatasets', () => {
  it("refuses with CPI_PAPER_SOURCE_MISSING before touching the output when a paper file is missing", async () => {
    const out = join(tempDir(), 'kept');
    mkdirSync(out);
    writeFileSync(join(out, 'manifest.json'), '{}');
    writeFileSync(join(out, 'memotrap.jsonl'), 'keep me');
    const options = { outDir: out, relations: 'country_capital', perRelation: '2' };
    await expect(generateDatasets(resolveDatasetsConfig({ ...options, paperDir: join(tempDir(), 'nothing-here') }))).rejects.toMatchObject({ code: 'CPI_PAPER_SOURCE_MISSING' });
    const partial = tempDir();
    mkdirSync(join(partial, 'locuslab'));
    writeFileSync(join(partial, 'locuslab', 'world_facts.json'), readFileSync(join(PAPER.dir, 'locuslab', 'world_facts.json')));
    await expect(generateDatasets(resolveDatasetsConfig({ ...options, paperDir: partial }))).rejects.toMatchObject({
      code: 'CPI_PAPER_SOURCE_MISSING', message: expect.stringContaining('locuslab/country_capitals_only.json'),
    });
    expect(readFileSync(join(out, 'memotrap.jsonl'), 'utf8')).toBe('keep me');
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'memotrap.jsonl']);
  });

  it('writes the generated items alone with --no-paper; CSV on request', async () => {
    const out = join(tempDir(), 'small');
    const summary = await generateDatasets(resolveDatasetsConfig({
      outDir: out, relations: 'country_capital,book_author', perRelation: '5', formats: 'jsonl,csv', includePaper: false,
    }));
    expect(summary.paper).toMatchObject({ included: false, note: expect.stringContaining('not requested') });
    expect(readdirSync(out).sort()).toEqual(['cpi-facts.csv', 'cpi-facts.jsonl', 'manifest.json']);
    expect(summary.manifest.counts.byDataset).toEqual({ 'cpi-facts': { aligned: 10, closed_book: 10, conflict: 10, unknown_subject: 10 } });
    const csv = Papa.parse<Record<string, string>>(readFileSync(join(out, 'cpi-facts.csv'), 'utf8'), { header: true, skipEmptyLines: true });
    expect(csv.data).toHaveLength(40);
    const jsonl = readFileSync(join(out, 'cpi-facts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; provenance: unknown });
    expect(csv.data[3]?.['id']).toBe(jsonl[3]?.id);
    expect(JSON.parse(csv.data[3]?.['provenance'] ?? '')).toEqual(jsonl[3]?.provenance);
  });

  it('fails before writing anything on a bad option, and never replaces a folder that is not a suite', async () => {
    const out = join(tempDir(), 'bad');
    await expect(generateDatasets(resolveDatasetsConfig({ outDir: out, relations: 'nope' }))).rejects.toMatchObject({ code: 'CPI_UNKNOWN_RELATION' });
    expect(existsSync(out)).toBe(false);
    expect(() => resolveDatasetsConfig({ formats: 'xml' })).toThrowError(expect.objectContaining({ code: 'CPI_INVALID_OPTION' }));
    const foreign = tempDir();
    writeFileSync(join(foreign, 'precious.txt'), 'keep me');
    const suite = buildSuite({ datasets: [], formats: ['jsonl'], seed: 1, generatorVersion: 't', options: {} });
    await expect(writeSuite(foreign, suite)).rejects.toMatchObject({ code: 'CPI_OUT_DIR_NOT_SUITE' });
    expect(readFileSync(join(foreign, 'precious.txt'), 'utf8')).toBe('keep me');
  });

  it('replaces a previous suite whole, leaving no temporary folders', async () => {
    const parent = tempDir();
    const out = join(parent, 'suite');
    mkdirSync(out);
    writeFileSync(join(out, 'manifest.json'), '{}');
    writeFileSync(join(out, 'stale.jsonl'), '');
    await generateDatasets(resolveDatasetsConfig({ outDir: out, relations: 'element_symbol', perRelation: '3', includePaper: false }));
    expect(readdirSync(out).sort()).toEqual(['cpi-facts.jsonl', 'manifest.json']);
    expect(readdirSync(parent)).toEqual(['suite']);
  });
});
