// One static shard of a sweep: `npx run benchmark --shard I/N`. The shard is an ordinary run (run.ts) in
// its own folder, RUN_DIR/shards/shard-I-of-N/, with its own lock and store, so shards never contend and a
// rerun resumes; it computes only its cells (shard.ts). `run merge` (io/merge.ts) joins the shards.
import { join, resolve } from 'node:path';
import type { RunOptions } from './config.ts';
import type { CheckpointPlan } from './plan.ts';
import { runBenchmark, type RunDependencies, type RunSummary } from './run.ts';
import { shardName, shardPlan, type ShardSpec } from './shard.ts';
import { readRunConfig } from './io/run-folder.ts';
import { identityOf, shardsDir, sweepPlanOf, writeSweepPlan } from './io/sweep-plan.ts';

export interface ShardSummary extends RunSummary {
  shard: ShardSpec & { name: string; cells: number; cost: number; sweepDir: string };
}

/**
 * Runs shard `spec` of the sweep whose run folder is `options.out`.
 * @example await runShard(resolveRunOptions({ checkpoints, dataset, out: 'runs/sweep' }), { index: 0, count: 4 })
 */
export async function runShard(options: RunOptions, spec: ShardSpec, deps: RunDependencies = {}, cellItems?: number): Promise<ShardSummary> {
  const sweepDir = resolve(options.out);
  const name = shardName(spec);
  let full: CheckpointPlan[] | undefined;
  let mine = { cells: 0, cost: 0 };
  const summary = await runBenchmark(
    // The sweep folder is chosen by the user (or the series' default): a shard never moves aside, it refuses.
    { ...options, out: join(shardsDir(sweepDir), name), moveAsideFromBoundFolder: false },
    {
      ...deps,
      selectJobs: (plan) => {
        full = plan;
        const { plan: part, cells } = shardPlan(plan, spec, cellItems);
        mine = { cells: cells.length, cost: cells.reduce((n, c) => n + c.cost, 0) };
        return part;
      },
    },
  );
  // Written once the shard has bound its folder and finished: the same plan from every shard.
  const config = await readRunConfig(summary.runDir);
  if (full && config) await writeSweepPlan(sweepDir, sweepPlanOf(full, identityOf(config)));
  return { ...summary, shard: { ...spec, name, ...mine, sweepDir } };
}
