// `npx run`: parse arguments, call the library once, set the exit code.
import { Command } from 'commander';

const program = new Command('run').description('Run language-model checkpoints over knowledge-conflict datasets and report context-parametric inversion.');
program
  .command('benchmark')
  .description('predict every item at every checkpoint, then write the inversion report')
  .action(() => notImplemented('benchmark'));
program
  .command('report')
  .argument('<runDirs...>')
  .description('render a report from stored predictions; several runs overlay')
  .action(() => notImplemented('report'));

function notImplemented(name: string): void {
  console.error(`run ${name}: not implemented yet`);
  process.exitCode = 2;
}

await program.parseAsync();
