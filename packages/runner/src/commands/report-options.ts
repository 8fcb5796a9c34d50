// The report's options, shared by `benchmark` and `report` (and listed in their --help with defaults).
import { Option, type Command } from 'commander';

/** Adds the verdict's and statistics' options to a command. */
export function addReportOptions(command: Command): Command {
  return command
    .option('--scorer <id>', 'scorer whose curve the verdict reads, one of the ids below (default: containment where generations exist, else logprob)')
    .addOption(new Option('--view <view>', 'all conflict items, or only facts the first checkpoint knew closed-book (default: all)').choices(['all', 'known_facts']))
    .option('--drop-threshold <p>', 'smallest smoothed drop that counts, as a proportion (default: 0.05)')
    .option('--min-rise <p>', 'smallest rise to the smoothed peak that counts as "rose", as a proportion (default: 0.05)')
    .option('--alpha <p>', "significance level of the drop test (default: 0.05)")
    .option('--smoothing <k>', 'peak smoothed over +-k checkpoints (default: 2)')
    .option('--benchmarks <file>', 'benchmark scores per step (lm-eval results or a step,benchmark,score CSV)')
    .addOption(new Option('--benchmark-scale <scale>', 'benchmark scores are fractions or percent (default: auto: percent when any score exceeds 1)').choices(['auto', 'fraction', 'percent']));
}
