// Sums the per-project vitest JSON reports into the one plain line CI reads: "N passed, N failed, N skipped".
// A project whose report is missing (its runner crashed before reporting) counts as one failure.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [reportDir, ...expected] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0;
const found = new Set();
for (const file of existsSync(reportDir) ? readdirSync(reportDir) : []) {
  if (!file.endsWith('.json')) continue;
  const r = JSON.parse(readFileSync(join(reportDir, file), 'utf8'));
  found.add(file.replace(/\.json$/, ''));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A test file that failed to load has no tests, but it is a failure.
  failed += (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
}
for (const project of expected) if (!found.has(project)) { console.error(`no test report from ${project}`); failed += 1; }
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
