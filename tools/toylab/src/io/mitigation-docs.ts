// The numbers of docs/mitigations/README.md and of the root README's mitigation summary, regenerated from the
// committed run files (docs/mitigations/runs/) by `npx toylab readme`; --check only compares.
import { join } from 'node:path';
import { mitigationBlocks } from '../mitigation-report.ts';
import { readMitigationRuns } from './mitigation-lab.ts';
import { refreshGeneratedBlocks } from './readme.ts';

export const MITIGATION_DOCS = { dir: 'docs/mitigations', report: 'docs/mitigations/README.md', summary: 'README.md' } as const;

/** Both documents with their generated blocks refreshed; writes them unless `check`. */
export async function regenerateMitigationDocs(root: string, options: { check?: boolean } = {}): Promise<{ file: string; changed: boolean }[]> {
  const blocks = mitigationBlocks(await readMitigationRuns(join(root, MITIGATION_DOCS.dir)));
  return [await refreshGeneratedBlocks(join(root, MITIGATION_DOCS.report), blocks.report, options), await refreshGeneratedBlocks(join(root, MITIGATION_DOCS.summary), blocks.summary, options)];
}
