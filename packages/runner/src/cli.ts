// `npx run`: parse arguments, call the library once, map errors to messages and exit codes.
import { Command, Option } from 'commander';
import { describeCliError, throwParseErrors } from '@cpi-bench/schemas';
import { DTYPES } from './checkpoints.ts';
import { registerDistributedCommands } from './cli-distributed.ts';

const program = throwParseErrors(new Command('run')).description('Run language-model checkpoints over knowledge-conflict datasets and report context-parametric inversion.');
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

program
  .command('benchmark')
  .description('predict every item at every checkpoint, then write the inversion report (no arguments: the default series and suite)')
  .option('--checkpoints <dir|list>', 'a series folder, one checkpoint folder, or a comma-separated list')
  .option('--dataset <file|dir>', 'a .jsonl file or a folder of them (default: the series.json dataset, else datasets/default)')
  .option('--splits <list>', 'comma-separated splits to keep (conflict,aligned,closed_book,unknown_subject)')
  .addOption(new Option('--mode <mode>', 'score (log-probabilities), generate (greedy text) or both').choices(['score', 'generate', 'both']))
  .option('--template <id>', 'prompt template id (plain, alpaca, tulu, chat, … and their -context-only forms)')
  .option('--limit <n>', 'evaluate only the first N items (round-robin across datasets and splits)')
  .option('--out <dir>', 'run folder (default: runs/<series name>-<hash of its path>; the default series: runs/toy-series)')
  .addOption(new Option('--device <device>', 'auto tries CUDA, then the CPU').choices(['auto', 'cpu', 'cuda']))
  .addOption(new Option('--dtype <dtype>', "graph file by transformers.js's dtype names: auto takes what the checkpoint has").choices([...DTYPES]))
  .option('--batch-size <n>', 'sequences per inference call (default 8)')
  .option('--threads <n>', 'onnxruntime intra-op threads')
  .option('--max-new-tokens <n>', 'generate mode: most tokens per answer (default 16)')
  .option('--stop <text>', 'generate mode: stop string, repeatable (default "\\n")', collect)
  .option('--no-resume', 'recompute everything instead of skipping stored predictions')
  .option('--no-report', 'only store predictions')
  .option('--shard <I/N|auto/N>', 'compute only shard I (from 0) of N into <out>/shards/; auto/N reads SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX; then `run merge`')
  .option('--json', 'print one JSON summary on stdout instead of the table')
  .action(async (flags) => {
    const { benchmark } = await import('./commands/benchmark.ts');
    await benchmark(flags, { stdout: process.stdout, stderr: process.stderr });
  });

program
  .command('report')
  .argument('<runDirs...>')
  .description('render a report from stored predictions; several runs overlay')
  .option('--out <dir>', 'report folder (default: <first run>/report)')
  .option('--benchmarks <file>', 'benchmark scores per step (lm-eval results or CSV)')
  .addOption(new Option('--benchmark-scale <scale>', 'benchmark scores are fractions or percent (auto: percent when any score in the file exceeds 1)').choices(['auto', 'fraction', 'percent']))
  .option('--json', 'print one JSON summary on stdout')
  .action(async (runDirs: string[], flags) => {
    const { report } = await import('./commands/report.ts');
    await report(runDirs, flags, { stdout: process.stdout });
  });

registerDistributedCommands(program, collect);

program
  .command('losses')
  .description('per-example mean target loss with and without the context, for `npx mitigate context-critical --losses`')
  .requiredOption('--checkpoint <dir>', 'the base checkpoint the finetuning starts from')
  .requiredOption('--data <file>', 'finetuning data: Alpaca, chat or ShareGPT, JSON array or JSONL')
  .requiredOption('--out <file>', 'losses JSONL (appended to: a rerun resumes; to recompute, use a new file)')
  .addOption(new Option('--format <format>', 'data format (default: detected)').choices(['auto', 'alpaca', 'chat', 'sharegpt']).default('auto'))
  .option('--batch-size <n>', 'examples per inference call (default 8)')
  .addOption(new Option('--device <device>', 'auto tries CUDA, then the CPU').choices(['auto', 'cpu', 'cuda']))
  .option('--threads <n>', 'onnxruntime intra-op threads')
  .option('--json', 'print one JSON summary on stdout')
  .action(async (flags) => {
    const { losses } = await import('./commands/losses.ts');
    await losses(flags, { stdout: process.stdout, stderr: process.stderr });
  });

try {
  await program.parseAsync();
} catch (error) {
  const { message, exitCode } = describeCliError('run', error);
  if (message) process.stderr.write(message + '\n');
  process.exitCode = exitCode;
}
