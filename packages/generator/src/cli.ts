// `npx generate`: parse arguments, call the library once, set the exit code.
import { Command } from 'commander';

const program = new Command('generate').description('Build and audit counterfactual knowledge-conflict datasets.');
program
  .command('datasets')
  .description('write the default suite (all relations and splits, plus the imported paper datasets) into datasets/')
  .action(() => notImplemented('datasets'));
program
  .command('audit')
  .argument('<files...>')
  .description('check datasets for known defects')
  .action(() => notImplemented('audit'));

function notImplemented(name: string): void {
  console.error(`generate ${name}: not implemented yet`);
  process.exitCode = 2;
}

await program.parseAsync();
