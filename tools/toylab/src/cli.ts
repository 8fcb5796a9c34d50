// `npx toylab`: parse arguments, call the library once, set the exit code.
import { Command } from 'commander';

const program = new Command('toylab').description('Train a tiny GPT and instruction-finetune it into an ONNX checkpoint series.');
program.command('train').description('pretrain, then finetune, saving ONNX checkpoints').action(() => notImplemented('train'));
program.command('theory').description("the paper's one-layer attention model").action(() => notImplemented('theory'));

function notImplemented(name: string): void {
  console.error(`toylab ${name}: not implemented yet`);
  process.exitCode = 2;
}

await program.parseAsync();
