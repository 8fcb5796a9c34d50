// Terminal output of the CLI: a progress bar on a TTY, plain lines otherwise, and the summaries.
import cliProgress from 'cli-progress';
import { formatAuditReport } from '../audit/audit.ts';
import type { DatasetsSummary, ProgressEvent } from '../commands/datasets.ts';
import type { AuditFilesResult } from './audit-files.ts';

const STAGES: readonly ProgressEvent['stage'][] = ['facts', 'generate', 'paper', 'write', 'done'];

/** Progress on stderr: a bar when stderr is a terminal, one line per stage otherwise; silent with --json. */
export function progressSink(quiet: boolean): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  if (quiet) return { onProgress: () => {}, stop: () => {} };
  if (!process.stderr.isTTY) return { onProgress: (e) => console.error(`generate: ${e.message}`), stop: () => {} };
  const bar = new cliProgress.SingleBar({ format: 'generate [{bar}] {stage} {message}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(STAGES.length - 1, 0, { stage: '', message: '' });
  return {
    onProgress: (e) => bar.update(STAGES.indexOf(e.stage), { stage: e.stage, message: e.message }),
    stop: () => bar.stop(),
  };
}

export function printDatasetsSummary(summary: DatasetsSummary, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ outDir: summary.outDir, files: summary.files, counts: summary.manifest.counts, facts: summary.facts, skippedFacts: summary.skippedFacts, paper: summary.paper, invalidItems: summary.invalidItems }, null, 2));
    return;
  }
  const c = summary.manifest.counts;
  console.log(`wrote ${c.total} items to ${summary.outDir}`);
  for (const [dataset, splits] of Object.entries(c.byDataset)) console.log(`  ${dataset}: ${Object.entries(splits).map(([s, n]) => `${s} ${n}`).join(', ')}`);
  console.log(`  fact base: ${summary.facts} facts (${summary.skippedFacts} sampled facts had no clean substitute)`);
  if (!summary.paper.included || summary.paper.note) console.log(`  paper datasets: ${summary.paper.note ?? 'not included'}`);
  for (const bad of summary.invalidItems) console.error(`  invalid item left out: ${bad.id}: ${bad.message}`);
}

export function printAudit(result: AuditFilesResult, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ files: result.files, invalidLines: result.invalidLines, ...result.report }, null, 2));
    return;
  }
  console.log(formatAuditReport(result.report, { invalidLines: result.invalidLines.length }));
  for (const bad of result.invalidLines.slice(0, 10)) console.log(`  invalid line ${bad.file}${bad.line ? `:${bad.line}` : ''}: ${bad.message}`);
}
