// `npx run`: parse arguments, call the library once, map errors to messages and exit codes.
import { Command, Option } from 'commander';
import { describeCliError, throwParseErrors } from '@cpi-bench/schemas';
import { DTYPES } from './checkpoints.ts';
import { registerDistributedCommands } from './cli-distributed.ts';
import { addReportOptions } from './commands/report-options.ts';

const program = throwParseErrors(new Command('run')).description('Run language-model checkpoints over knowledge-conflict datasets and report context-parametric inversion.');
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const benchmarkCommand = program
  .command('benchmark')
  .description('predict every item at every checkpoint, then write the inversion report (no arguments: the default series and suite)')
  .option('--config <file>', 'a run file (YAML or JSON, schema run-spec.schema.json); flags override it; a run folder\'s run-config.yaml repeats that run')
  .option('--checkpoints <dir|list>', 'a series folder, one checkpoint folder, or a comma-separated list (default: datasets/toy-series)')
  .option('--dataset <file|dir>', 'a .jsonl file or a folder of them (default: the series.json dataset, else datasets/default)')
  .option('--splits <list>', 'comma-separated splits to keep: conflict, aligned, closed_book, unknown_subject (default: all)')
  .addOption(new Option('--mode <mode>', 'score (log-probabilities), generate (greedy text) or both (default: both)').choices(['score', 'generate', 'both']))
  .option('--template <id>', 'prompt template id, listed by `npx run templates` (default: plain, or the series.json one)')
  .option('--limit <n>', 'evaluate only the first N items, round-robin across datasets and splits (default: all)')
  .option('--out <dir>', 'run folder (default: runs/<series name>-<hash of its path>; the default series: runs/toy-series)')
  .addOption(new Option('--device <device>', 'auto tries CUDA, then the CPU (default: auto)').choices(['auto', 'cpu', 'cuda']))
  .addOption(new Option('--dtype <dtype>', "graph file by transformers.js's dtype names: auto takes what the checkpoint has (default: auto)").choices([...DTYPES]))
  .option('--batch-size <n>', 'sequences per inference call, or auto (from the model size and free memory) (default: 8)')
  .option('--threads <n>', 'onnxruntime intra-op threads (default: onnxruntime decides)')
  .option('--max-new-tokens <n>', 'generate mode: most tokens per answer (default: 16)')
  .option('--stop <text>', 'generate mode: stop string, repeatable (default: "\\n")', collect)
  .option('--no-resume', 'recompute everything instead of skipping stored predictions')
  .option('--no-report', 'only store predictions')
  .option('--shard <I/N|auto/N>', 'compute only shard I (from 0) of N into <out>/shards/; auto/N reads SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX; then `run merge`')
  .option('--label <name>', "the run's name in reports and overlays (default: the run folder's name)")
  .option('--json', 'print one JSON summary on stdout instead of the table')
  .action(async (flags) => {
    const { benchmark } = await import('./commands/benchmark.ts');
    await benchmark(flags, { stdout: process.stdout, stderr: process.stderr });
  });
addReportOptions(benchmarkCommand);

const reportCommand = program
  .command('report')
  .argument('<runDirs...>')
  .description('render a report from stored predictions; several runs overlay')
  .option('--out <dir>', 'report folder (default: <first run>/report)')
  .option('--label <name>', "a run's name in the overlay, repeatable, in the order of the run folders (default: each run's own label)", collect)
  .option('--allow-mixed-scorers', 'overlay runs whose curves come from different scorers (refused by default)')
  .option('--json', 'print one JSON summary on stdout')
  .action(async (runDirs: string[], flags) => {
    const { report } = await import('./commands/report.ts');
    await report(runDirs, flags, { stdout: process.stdout });
  });
addReportOptions(reportCommand);

program
  .command('compare')
  .argument('<runA>')
  .argument('<runB>')
  .description('per checkpoint, context reliance of run B minus run A on the items both ran, with an exact McNemar test (baseline vs mitigated)')
  .option('--scorer <id>', 'scorer (default: containment where both runs have generations, else logprob)')
  .option('--json', 'print one JSON summary on stdout')
  .action(async (runA: string, runB: string, flags) => {
    const { compare } = await import('./commands/compare.ts');
    await compare(runA, runB, flags, { stdout: process.stdout });
  });

program
  .command('templates')
  .description('list the built-in prompt templates (a run file can add its own Jinja template)')
  .option('--json', 'print them as JSON')
  .action(async (flags) => {
    const { templates } = await import('./commands/templates.ts');
    await templates(flags, { stdout: process.stdout });
  });

registerDistributedCommands(program, collect);

program
  .command('losses')
  .description('per-example mean target loss with and without the context, for `npx mitigate context-critical --losses`')
  .requiredOption('--checkpoint <dir>', 'the base checkpoint the finetuning starts from')
  .requiredOption('--data <file>', 'finetuning data: Alpaca, chat or ShareGPT, JSON array or JSONL')
  .requiredOption('--out <file>', 'losses JSONL (appended to: a rerun resumes; to recompute, use a new file)')
  .addOption(new Option('--format <format>', 'data format (default: detected)').choices(['auto', 'alpaca', 'chat', 'sharegpt']).default('auto'))
  .option('--template <id>', 'prompt form the targets are scored in: stanford-alpaca (Alpaca\'s train.py, default) or a text template (plain, alpaca, tulu, ...) your finetuning uses')
  .option('--batch-size <n>', 'examples per inference call (default: 8)')
  .addOption(new Option('--device <device>', 'auto tries CUDA, then the CPU').choices(['auto', 'cpu', 'cuda']))
  .option('--threads <n>', 'onnxruntime intra-op threads')
  .option('--json', 'print one JSON summary on stdout')
  .action(async (flags) => {
    const { losses } = await import('./commands/losses.ts');
    await losses(flags, { stdout: process.stdout, stderr: process.stderr });
  });

// --help lists the valid ids from the registries, loaded only then (they cost a second at every start).
if (process.argv.some((a) => a === '--help' || a === '-h' || a === 'help')) {
  const { validIdsHelp } = await import('./commands/help-ids.ts');
  for (const c of [benchmarkCommand, reportCommand]) c.addHelpText('after', validIdsHelp());
}

try {
  await program.parseAsync();
} catch (error) {
  const { message, exitCode } = describeCliError('run', error);
  if (message) process.stderr.write(message + '\n');
  process.exitCode = exitCode;
}
