// `npx toylab`: parse arguments, build one options object, call the library once, set the exit code.
import { Command, InvalidArgumentError, Option } from 'commander';
import { describeCliError, throwParseErrors } from '@cpi-bench/schemas';
import { MITIGATION_ARMS } from './mitigation-arms.ts';

const program = throwParseErrors(new Command('toylab')).description('The toy checkpoint lab: a tiny GPT-2 instruction-finetuned into an ONNX checkpoint series, and the paper\'s one-layer theory model.');
const num = (v: string): number => {
  const n = v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('not a number.');
  return n;
};
/** With --json, a command prints one JSON summary on stdout instead of its table and progress bar. */
const json = async (command: 'train' | 'theory' | 'sweep' | 'mitigations', o: Record<string, unknown>): Promise<boolean> => {
  if (!o['json']) return false;
  const { runJsonCommand } = await import('./io/json-commands.ts');
  process.stdout.write(JSON.stringify(await runJsonCommand(command, o)) + '\n');
  return true;
};

/** The options of the multi-run commands (sweep, mitigations): seeds, steps, probe interval, model size. */
const gridOptions = (command: Command): Command => command
  .option('--seeds <list>', 'comma-separated seeds', '0,1,2')
  .option('--steps <n>', 'finetuning steps', num, 2400)
  .option('--checkpoint-every <n>', 'probe every n steps', num, 100)
  .option('--probe-limit <n>', 'counterfactual probe items per pool (0 = all)', num)
  .addOption(new Option('--size <size>', 'model size').choices(['tiny', 'small']));

program.command('train').description('pretrain until the closed-book gate holds, finetune, save ONNX checkpoints and the evaluation items')
  .option('--out <dir>', 'series folder (replaced; it must be new, empty or a previous toylab series)', 'datasets/toy-series')
  .option('--eval-out <dir>', 'evaluation items folder (replaced; it must be new, empty or a previous suite with manifest.json)', 'datasets/toy-eval')
  .addOption(new Option('--size <size>', 'model size').choices(['tiny', 'small']))
  .option('--seed <n>', 'seed', num)
  .option('--steps <n>', 'finetuning steps', num)
  .option('--lr <x>', 'finetuning learning rate', num)
  .option('--batch <n>', 'finetuning batch rows', num)
  .option('--checkpoint-every <n>', 'save a checkpoint every n finetuning steps', num)
  .option('--probe-every <n>', 'also probe every n finetuning steps between checkpoints (0 = only at checkpoints)', num)
  .option('--non-cc <share>', 'share of non-context-critical finetuning examples', num)
  .option('--fresh-unknowns', 'draw unknown subjects\' answers fresh each time (not memorisable)')
  .option('--counterfactual <share>', 'share of counterfactual finetuning examples', num)
  .option('--closed-book-share <share>', 'share of closed-book QA finetuning examples', num)
  .option('--rehearsal <share>', 'share of each batch rehearsing pretraining text', num)
  .option('--vocab-size <n>', 'BPE vocabulary size', num)
  .option('--pretrain-max-steps <n>', 'give up pretraining after n steps', num)
  .option('--probe-limit <n>', 'counterfactual probe items per pool (0 = all)', num)
  .option('--json', 'print one JSON summary on stdout')
  .action(async (o: Record<string, unknown>) => {
    if (await json('train', o)) return;
    const { runTrain } = await import('./io/commands.ts');
    await runTrain(o);
  });

program.command('theory').description("run the paper's §5 one-layer model (C, C+S, C+S with trained values) and write its curves")
  .option('--out <dir>', 'output folder', 'docs/toylab/theory')
  .option('--lr <x>', 'gradient-descent learning rate', num)
  .option('--steps <n>', 'gradient steps', num)
  .option('--seed <n>', 'seed', num)
  .option('--json', 'print one JSON summary on stdout')
  .action(async (o: Record<string, unknown>) => {
    if (await json('theory', o)) return;
    const { runTheoryCommand } = await import('./io/commands.ts');
    await runTheoryCommand(o);
  });

gridOptions(program.command('sweep').description('pretrain once per seed, finetune each lab setting from it, write the lab report (resumes: runs already in --out are kept)'))
  .option('--out <dir>', 'report folder', 'docs/toylab/sweep')
  .option('--settings <list>', 'comma-separated setting ids (default: all)')
  .option('--json', 'print one JSON summary on stdout')
  .action(async (o: Record<string, unknown>) => {
    if (await json('sweep', o)) return;
    const { runSweepCommand } = await import('./io/commands.ts');
    await runSweepCommand(o);
  });

gridOptions(program.command('mitigations')).description("the mitigation proof: per seed pretrain once, transform the baseline finetuning file with each of the product's mitigations, finetune on each, write the report (resumes: runs already in --out are kept)")
  .option('--out <dir>', 'report folder (run files in runs/, the report beside them)', 'docs/mitigations')
  .option('--work <dir>', 'scratch folder: pretrained checkpoints, data files, losses', 'runs/toylab-mitigations')
  .option('--arms <list>', `comma-separated arms (default: all): ${MITIGATION_ARMS.map((a) => a.id).join(', ')}`)
  .option('--report-only', 'only rebuild the report from the run files in --out')
  .option('--json', 'print one JSON summary on stdout')
  .action(async (o: Record<string, unknown>) => {
    if (await json('mitigations', o)) return;
    const { runMitigationsCommand } = await import('./io/commands.ts');
    await runMitigationsCommand(o);
  });

program.command('sweep-merge').description('merge sweep folders (e.g. one per seed) into one report')
  .requiredOption('--in <dirs>', 'comma-separated sweep folders')
  .option('--out <dir>', 'report folder', 'docs/toylab/sweep')
  .option('--series <dir=setting@step>', 'also count a trained series (lab-run.json) as a run of setting, cut at step', (v: string, prev: string[] = []) => [...prev, v])
  .action(async (o: { in: string; out: string; series?: string[] }) => {
    const { mergeSweeps } = await import('./io/sweep.ts');
    const { resolve } = await import('node:path');
    const series = (o.series ?? []).map((v) => { const [dir = '', rest = ''] = v.split('='); const [setting = '', step = ''] = rest.split('@'); return { dir: resolve(dir), setting, maxStep: Number(step) }; });
    console.log((await mergeSweeps(o.in.split(',').map((d) => resolve(d)), resolve(o.out), series)).summary);
  });

program.command('readme').description('regenerate the numbers of docs/toylab/README.md, docs/mitigations/README.md and the README\'s mitigation summary from the committed data files')
  .option('--root <dir>', 'repository root', '.')
  .option('--check', 'only report whether the README is up to date (exit 1 if not)')
  .action(async (o: { root: string; check?: boolean }) => {
    const { regenerateReadme } = await import('./io/readme.ts');
    const { regenerateMitigationDocs } = await import('./io/mitigation-docs.ts');
    for (const r of [await regenerateReadme(o.root, { check: o.check === true }), ...(await regenerateMitigationDocs(o.root, { check: o.check === true }))]) {
      console.log(r.changed ? (o.check ? `${r.file} is out of date: run npx toylab readme` : `updated ${r.file}`) : `${r.file} is up to date`);
      if (r.changed && o.check) process.exitCode = 1;
    }
  });

try {
  await program.parseAsync();
} catch (error) {
  const { message, exitCode } = describeCliError('toylab', error);
  if (message) console.error(message);
  process.exitCode = exitCode;
}
