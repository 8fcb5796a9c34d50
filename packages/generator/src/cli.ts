// `npx generate`: parse arguments, build one config, call the library once, set the exit code.
import { Command } from 'commander';
import { describeCliError, throwParseErrors } from '@cpi-bench/schemas';
import { DEFAULT_PER_RELATION, DEFAULT_SEED } from './config.ts';

const program = throwParseErrors(new Command('generate')).description('Build and audit counterfactual knowledge-conflict datasets.');

const datasetsCommand = program
  .command('datasets')
  .description('write the default suite (all relations and splits, plus the imported paper datasets) into datasets/default')
  .option('--out <dir>', 'output folder (default: datasets/default in the current folder)')
  .option('--seed <n>', `random seed (default: ${DEFAULT_SEED})`)
  .option('--relations <ids>', 'comma-separated relation ids, listed below (default: all)')
  .option('--per-relation <n>', `facts sampled per relation (default: ${DEFAULT_PER_RELATION})`)
  .option('--variants <n>', 'conflict variants per fact (default: 1)')
  .option('--strategies <ids>', 'comma-separated substitution strategies, listed below (default: all)')
  .option('--format <formats>', 'jsonl (always) and/or csv', 'jsonl')
  .option('--paper-dir <dir>', "folder with the paper's files (default: $CPI_PAPER_DATASETS or the copy shipped with the package)")
  .option('--no-paper', "leave the paper's datasets out")
  .option('--json', 'print a machine-readable summary on stdout')
  .action((o: Record<string, string | boolean | undefined>) => run(async () => {
    const [{ resolveDatasetsConfig }, { generateDatasets }, { progressSink, printDatasetsSummary }] = await Promise.all([
      import('./config.ts'), import('./commands/datasets.ts'), import('./io/console.ts'),
    ]);
    const config = resolveDatasetsConfig({
      outDir: o['out'], seed: o['seed'], relations: o['relations'], perRelation: o['perRelation'], variants: o['variants'],
      strategies: o['strategies'], formats: o['format'], paperDir: o['paperDir'], includePaper: o['paper'] !== false,
    });
    const sink = progressSink(Boolean(o['json']));
    const summary = await generateDatasets(config, sink.onProgress).finally(sink.stop);
    printDatasetsSummary(summary, Boolean(o['json']));
    return summary.invalidItems.length > 0 ? 1 : 0;
  }));

program
  .command('audit')
  .argument('<files...>', 'ConflictItem .jsonl files or folders, or the paper files')
  .description('check datasets for known defects (answers in contexts, shared words, duplicates, leaks)')
  .option('--json', 'print the full report as JSON')
  .option('--strict', 'exit with 1 when any finding is not flagged on purpose or any line is invalid')
  .action((files: string[], o: { json?: boolean; strict?: boolean }) => run(async () => {
    const [{ auditFiles }, { printAudit }] = await Promise.all([import('./io/audit-files.ts'), import('./io/console.ts')]);
    const result = await auditFiles(files);
    printAudit(result, Boolean(o.json));
    return o.strict && (result.report.unintended > 0 || result.invalidLines.length > 0) ? 1 : 0;
  }));

// --help lists the valid relation and strategy ids from their registries, loaded only then.
if (process.argv.some((a) => a === '--help' || a === '-h' || a === 'help')) {
  const [{ relationIds }, { strategyIds }] = await Promise.all([import('./facts/relations.ts'), import('./strategies/registry.ts')]);
  datasetsCommand.addHelpText('after', `\nValid ids:\n  --relations   ${relationIds.join(', ')}\n  --strategies  ${strategyIds.join(', ')}`);
}

function fail(error: unknown): void {
  const { message, exitCode } = describeCliError('generate', error);
  if (message) console.error(message);
  process.exitCode = exitCode;
}

async function run(body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (error) {
    fail(error);
  }
}

// Option-parser errors (unknown option, bad choice, missing argument) are thrown here, not by the actions.
await program.parseAsync().catch(fail);
