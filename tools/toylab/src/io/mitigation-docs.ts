// The numbers of docs/mitigations/README.md and of the root README's mitigation summary, regenerated from the
// committed run files (docs/mitigations/runs/) by `npx toylab readme`; --check only compares.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@cpi-bench/schemas';
import { mitigationBlocks } from '../mitigation-report.ts';
import { fillReadme } from '../readme-report.ts';
import { readMitigationRuns } from './mitigation-lab.ts';

export const MITIGATION_DOCS = { dir: 'docs/mitigations', report: 'docs/mitigations/README.md', summary: 'README.md' } as const;

/** Both documents with their generated blocks refreshed; writes them unless `check`. */
export async function regenerateMitigationDocs(root: string, options: { check?: boolean } = {}): Promise<{ file: string; changed: boolean }[]> {
  const blocks = mitigationBlocks(await readMitigationRuns(join(root, MITIGATION_DOCS.dir)));
  const out: { file: string; changed: boolean }[] = [];
  for (const [rel, b] of [[MITIGATION_DOCS.report, blocks.report], [MITIGATION_DOCS.summary, blocks.summary]] as const) {
    const file = join(root, rel);
    const before = await readFile(file, 'utf8');
    const after = fillReadme(before, b);
    if (after !== before && !options.check) await writeFileAtomic(file, after);
    out.push({ file, changed: after !== before });
  }
  return out;
}
