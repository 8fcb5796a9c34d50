// The lab report's tables are generated from the committed data: regenerating them changes nothing, and a
// missing block marker is an error rather than a silently stale table.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fillReadme, readMitigationRuns, readReadmeData, readmeBlocks, regenerateMitigationDocs, regenerateReadme, MITIGATION_ARMS } from '../src/index.ts';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

describe('docs/toylab/README.md', () => {
  it('is what `npx toylab readme` generates from the committed data files', async () => {
    expect((await regenerateReadme(ROOT, { check: true })).changed).toBe(false);
  });

  it('quotes the committed series and their knowledge gate', async () => {
    const data = await readReadmeData(ROOT);
    const blocks = readmeBlocks(data);
    for (const s of data.series) expect(blocks['series']).toContain(`\`${s.name}\``);
    expect(blocks['series']).toContain(data.series[0]!.run.pretraining.closedBook.toFixed(2));
  });

  it('refuses a README whose block markers are gone', () => {
    expect(() => fillReadme('no markers here', { sweep: 'x' })).toThrow(expect.objectContaining({ code: 'CPI_TOYLAB_README_MARKER' }));
    expect(fillReadme('a\n<!-- generated:sweep -->\nold\n<!-- /generated:sweep -->\nb', { sweep: 'new' })).toBe('a\n<!-- generated:sweep -->\nnew\n<!-- /generated:sweep -->\nb');
  });
});

describe('docs/mitigations/README.md and the README summary', () => {
  it('are what `npx toylab readme` generates from the committed run files', async () => {
    for (const r of await regenerateMitigationDocs(ROOT, { check: true })) expect({ file: r.file, changed: r.changed }).toEqual({ file: r.file, changed: false });
  });

  it('hold every arm for seeds 0, 1 and 2', async () => {
    const runs = await readMitigationRuns(resolve(ROOT, 'docs/mitigations'));
    for (const arm of MITIGATION_ARMS) expect(runs.filter((r) => r.arm === arm.id).map((r) => r.seed).sort()).toEqual([0, 1, 2]);
  });
});
