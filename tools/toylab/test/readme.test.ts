// The lab report's tables are generated from the committed data: regenerating them changes nothing, and a
// missing block marker is an error rather than a silently stale table.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fillReadme, readReadmeData, readmeBlocks, regenerateReadme } from '../src/index.ts';

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
