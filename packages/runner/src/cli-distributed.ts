// The commands of a sweep over more than one machine: `run merge` (static shards and queue workers),
// `run enqueue` and `run worker` (BullMQ). Registered by cli.ts; bodies are imported lazily.
import { Option, type Command } from 'commander';
import { DTYPES } from './checkpoints.ts';

export function registerDistributedCommands(program: Command, collect: (value: string, previous?: string[]) => string[]): void {
  program
    .command('merge')
    .argument('<runDir>')
    .description('join the stores of shards and queue workers into one, check every cell is there (exit 1 if not), then write the report')
    .option('--no-report', 'only merge the predictions')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (runDir: string, flags) => {
      const { merge } = await import('./commands/merge.ts');
      process.exitCode = await merge(runDir, flags, { stdout: process.stdout, stderr: process.stderr });
    });

  program
    .command('enqueue')
    .description('put a sweep on a BullMQ queue: a job per (checkpoint, item chunk) and a merge job that writes the report')
    .requiredOption('--queue <url>', 'redis://HOST:PORT')
    .option('--name <queue>', 'queue name (default cpi-bench)')
    .requiredOption('--checkpoints <dir|list>', 'a series folder or a comma-separated list, at the same path on every worker')
    .requiredOption('--dataset <file|dir>', 'a .jsonl file or a folder of them, at the same path on every worker')
    .requiredOption('--out <dir>', 'the run folder, shared by every worker')
    .option('--splits <list>', 'comma-separated splits to keep')
    .addOption(new Option('--mode <mode>', 'score, generate or both').choices(['score', 'generate', 'both']))
    .option('--template <id>', 'prompt template id')
    .option('--limit <n>', 'evaluate only the first N items')
    .addOption(new Option('--device <device>', 'device on the workers').choices(['auto', 'cpu', 'cuda']))
    .addOption(new Option('--dtype <dtype>', 'graph file by dtype name').choices([...DTYPES]))
    .option('--batch-size <n>', 'sequences per inference call (default 8)')
    .option('--threads <n>', 'onnxruntime intra-op threads on the workers')
    .option('--max-new-tokens <n>', 'generate mode: most tokens per answer (default 16)')
    .option('--stop <text>', 'generate mode: stop string, repeatable', collect)
    .option('--cell-items <n>', 'items per job (default: up to 64, fine enough for 8 workers)')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (flags) => {
      const { enqueue } = await import('./commands/queue.ts');
      await enqueue(flags, { stdout: process.stdout });
    });

  program
    .command('worker')
    .description('compute queued jobs (in a sandboxed child process) into the shared run folder until stopped')
    .requiredOption('--queue <url>', 'redis://HOST:PORT')
    .option('--name <queue>', 'queue name (default cpi-bench)')
    .option('--concurrency <n>', 'jobs at once, each in its own process (default 1)')
    .option('--lock-ms <ms>', 'job lock lifetime; a dead worker\'s job returns after about this long (default 30000)')
    .option('--exit-when-drained', 'stop once nothing is waiting, running or delayed')
    .action(async (flags) => {
      const { worker } = await import('./commands/queue.ts');
      await worker(flags, { stderr: process.stderr });
    });
}
