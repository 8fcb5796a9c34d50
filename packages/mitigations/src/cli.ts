// `npx mitigate`: parse arguments, call the library once, map errors to messages and exit codes.
import { Command, Option } from 'commander';

const program = new Command('mitigate')
  .description('Transform instruction-finetuning data (Alpaca, chat, ShareGPT) against context-parametric inversion.')
  .argument('[transforms]', 'comma-separated transforms, applied in order (see --list)')
  .option('--list', 'list the transforms with their options and defaults')
  .option('--in <file>', 'input: JSON array or JSONL')
  .option('--out <file>', 'output, in the input\'s own format')
  .option('--report <file>', 'MitigationReport (default: <out>.report.json)')
  .option('--seed <n>', 'seed for random choices', '0')
  .addOption(new Option('--format <format>', 'data format (default: detected)').choices(['auto', 'alpaca', 'chat', 'sharegpt']).default('auto'))
  .option('--dry-run', 'write no data: count, and write only a report named by --report')
  .option('--json', 'print the report as JSON on stdout')
  .option('--drop <share>', 'context-critical: share of the context-bearing examples to drop')
  .option('--losses <file>', 'context-critical: losses from `npx run losses`')
  .option('--eval-suite <dir>', 'fact-overlap, counterfactual: the evaluation suite (default datasets/default)')
  .option('--entities <file>', 'fact-overlap: entities, one a line, instead of the suite\'s')
  .option('--min-length <n>', 'fact-overlap: shortest entity, in letters and digits')
  .option('--stop-words <file>', 'fact-overlap: stop words, one a line')
  .addOption(new Option('--source <source>', 'counterfactual: own data or generator facts').choices(['own', 'facts']))
  .option('--share <share>', 'counterfactual: the most the added examples may be of the output')
  .option('--items <file>', 'counterfactual --source facts: conflict items to render (leak-guarded)')
  .addOption(new Option('--ner <ner>', 'counterfactual --source own: also find people and places with compromise').choices(['compromise', 'none']))
  .action(async (transforms: string | undefined, flags) => {
    const { mitigateCommand } = await import('./commands/mitigate.ts');
    await mitigateCommand(transforms, flags, { stdout: process.stdout, stderr: process.stderr });
  });

program
  .command('recipe')
  .description('print a training recipe (QK-only finetuning, §6) as a PEFT LoRA config JSON')
  .argument('<name>', 'qk-only')
  .requiredOption('--arch <arch>', 'model_type: llama, gpt_neox, mistral, qwen2 or gpt2')
  .action(async (name: string, flags: { arch: string }) => {
    const { recipeCommand } = await import('./commands/mitigate.ts');
    recipeCommand(name, flags.arch, { stdout: process.stdout, stderr: process.stderr });
  });

try {
  await program.parseAsync();
} catch (error) {
  const { describeCliError } = await import('@cpi-bench/schemas');
  const { message, exitCode } = describeCliError('mitigate', error);
  process.stderr.write(message + '\n');
  process.exitCode = exitCode;
}
