// `npx run merge RUN_DIR`: the stores of a distributed sweep (shards/*/predictions.jsonl from static shards,
// workers/*/predictions.jsonl from queue workers, and RUN_DIR/predictions.jsonl itself) become one
// RUN_DIR/predictions.jsonl with one record per key of the sweep plan, written atomically under the run
// lock. Delivery is at least once, so a key may arrive twice: a success beats a failure, else the later
// file wins. Nothing a shard or worker wrote is changed.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { asFsCpiError, CpiError, readJsonl, toJsonl, validate, writeFileAtomic, type CheckpointManifest, type PredictionRecord, type RunConfig, pathExists } from '@cpi-bench/schemas';
import { acquireRunLock, lockOwner, processAlive } from './lock.ts';
import { runIdFrom, writeRunConfig } from './run-config.ts';
import { bindingConflict, readRunConfig, removeDebris } from './run-folder.ts';
import { readSweepPlan, type SweepPlan } from './sweep-plan.ts';

/** Folders under a sweep that hold partial stores, each a run folder of its own. */
export const PART_FOLDERS = ['shards', 'workers'] as const;

export interface MissingCells {
  step: number;
  mode: 'score' | 'generate';
  /** How many of the checkpoint's items have no record in this mode. */
  missing: number;
  /** The first missing item ids (at most 5). */
  examples: string[];
}

export interface MergeSummary {
  runDir: string;
  /** The part folders merged (relative to runDir). */
  parts: string[];
  /** Records in the merged predictions.jsonl that the plan asks for. */
  records: number;
  /** Keys the plan asks for. */
  expected: number;
  /** Keys computed more than once (by two shards or two deliveries of one job): kept once. */
  duplicates: number;
  /** Records of keys outside the plan, from older sweeps: left in their part files, not merged. */
  outsidePlan: number;
  missing: MissingCells[];
  complete: boolean;
}

/** The part folders of a sweep, in a fixed order (by kind, then name). */
async function partFolders(runDir: string): Promise<string[]> {
  const parts: string[] = [];
  for (const kind of PART_FOLDERS) {
    const names = await readdir(join(runDir, kind), { withFileTypes: true }).catch(() => []);
    for (const d of names.filter((n) => n.isDirectory()).map((n) => n.name).sort()) {
      if (await pathExists(join(runDir, kind, d, 'predictions.jsonl'))) parts.push(join(kind, d));
    }
  }
  return parts;
}

/** How the missing cells read on stderr. */
export function describeMissing(summary: MergeSummary): string {
  const total = summary.missing.reduce((n, m) => n + m.missing, 0);
  const lines = summary.missing.map((m) => `  step ${m.step} ${m.mode}: ${m.missing} item(s) missing, e.g. ${m.examples.join(', ')}`);
  return `${total} of ${summary.expected} prediction(s) are missing; rerun the shards (or workers) that computed them, then merge again:\n${lines.join('\n')}`;
}

const better = (a: PredictionRecord, b: PredictionRecord): PredictionRecord => (a.ok && !b.ok ? a : b);

/** Merges the parts of the sweep in `runDir`; writes nothing but predictions.jsonl, items.jsonl, checkpoints.jsonl and run-config.json. */
export async function mergeRun(runDir: string, notice: (line: string) => void = () => undefined): Promise<MergeSummary> {
  const dir = resolve(runDir);
  const plan = await readSweepPlan(dir);
  const parts = await partFolders(dir);
  const configs = new Map<string, RunConfig>();
  for (const part of parts) {
    const config = await readRunConfig(join(dir, part));
    if (!config) continue;
    // A part of another sweep (other series, dataset or settings) is never mixed in.
    const conflict = bindingConflict(config, plan.identity, join(dir, part));
    if (conflict) throw new CpiError(conflict.code, `${part} is not part of this sweep: ${conflict.message}`, { file: join(dir, part, 'run-config.json'), hint: `move ${join(dir, part)} elsewhere, then merge again` });
    configs.set(part, config);
  }
  for (const part of parts) {
    const owner = await lockOwner(join(dir, part));
    // Only a shard's lock says it is still running; a queue worker keeps its lock for its whole life.
    if (part.startsWith('shards/') && owner !== undefined && processAlive(owner)) notice(`${part} is still running (pid ${owner}): its records so far are merged`);
  }
  const previous = await readRunConfig(dir);
  const bound = bindingConflict(previous, plan.identity, dir);
  if (bound) throw bound;

  const lock = await acquireRunLock(dir);
  try {
    await removeDebris(dir);
    const wanted = new Set(plan.checkpoints.flatMap((c) => c.keys.flatMap((m) => m.keys)));
    const byKey = new Map<string, PredictionRecord>();
    const kept: PredictionRecord[] = []; // RUN_DIR's own records outside the plan stay where they are
    let duplicates = 0;
    let outsidePlan = 0;
    const sources = [...((await pathExists(join(dir, 'predictions.jsonl'))) ? [''] : []), ...parts];
    for (const part of sources) {
      const file = join(dir, part, 'predictions.jsonl');
      const seen = new Set<string>();
      const { records } = await readJsonl(file, { schema: 'predictionRecord', onInvalid: 'skip' });
      for (const { value } of records) {
        if (!wanted.has(value.key)) {
          if (part === '') kept.push(value);
          else outsidePlan++;
          continue;
        }
        const earlier = byKey.get(value.key);
        if (earlier && !seen.has(value.key)) duplicates++; // the same key from another file
        seen.add(value.key);
        byKey.set(value.key, earlier ? better(earlier, value) : value);
      }
    }
    if (outsidePlan > 0) notice(`${outsidePlan} record(s) in the parts belong to no key of this sweep's plan (an older sweep) and are not merged`);

    // The plan's order (checkpoint, mode, item) is the order a single run writes.
    const merged: PredictionRecord[] = [...kept];
    const missing: MissingCells[] = [];
    for (const cp of plan.checkpoints) {
      for (const { mode, keys } of cp.keys) {
        const absent: string[] = [];
        keys.forEach((key, i) => {
          const r = byKey.get(key);
          if (r) merged.push(r);
          else absent.push(plan.items[i]!);
        });
        if (absent.length > 0) missing.push({ step: cp.step, mode, missing: absent.length, examples: absent.slice(0, 5) });
      }
    }
    await writeFileAtomic(join(dir, 'predictions.jsonl'), toJsonl(merged));
    await writeCompanions(dir, plan, [...configs.keys()], previous, configs);
    return {
      runDir: dir,
      parts,
      records: merged.length - kept.length,
      expected: wanted.size,
      duplicates,
      outsidePlan,
      missing,
      complete: missing.length === 0,
    };
  } catch (error) {
    throw asFsCpiError(error, dir);
  } finally {
    await lock.release();
  }
}

/** items.jsonl, checkpoints.jsonl and run-config.json of the sweep folder, from its parts. */
async function writeCompanions(dir: string, plan: SweepPlan, parts: string[], previous: RunConfig | undefined, configs: Map<string, RunConfig>): Promise<void> {
  const first = parts[0];
  if (first === undefined) return;
  const items = await readFile(join(dir, first, 'items.jsonl'), 'utf8');
  await writeFileAtomic(join(dir, 'items.jsonl'), items);
  // A part records a checkpoint's graph only when it loaded it: take the fullest manifest of each step.
  const manifests = new Map<number, CheckpointManifest>();
  for (const part of parts) {
    const { records } = await readJsonl(join(dir, part, 'checkpoints.jsonl'), { schema: 'checkpointManifest', onInvalid: 'skip' }).catch(() => ({ records: [] }));
    for (const { value } of records) if (!manifests.get(value.step)?.graph) manifests.set(value.step, value);
  }
  const ordered = plan.checkpoints.map((c) => manifests.get(c.step)).filter((m): m is CheckpointManifest => m !== undefined);
  await writeFileAtomic(join(dir, 'checkpoints.jsonl'), toJsonl(ordered.map((m) => validate('checkpointManifest', m))));
  const all = [...configs.values()];
  const base = configs.get(first)!;
  const config: RunConfig = {
    ...base,
    runId: previous?.runId ?? runIdFrom(dir),
    // A part's label is its folder name unless the user gave one.
    label: previous?.label ?? (base.label !== undefined && base.label !== basename(first) ? base.label : basename(dir)),
    createdAt: previous?.createdAt ?? all.map((c) => c.createdAt).sort()[0]!,
    checkpoints: ordered.map((m) => ({ path: m.path, step: m.step, modelHash: m.modelHash, tokenizerHash: m.tokenizerHash })),
    dtype: [...new Set(ordered.map((m) => m.dtype))].join(','),
  };
  delete config.failedCheckpoints;
  const device = all.find((c) => c.resolvedDevice)?.resolvedDevice;
  if (device) config.resolvedDevice = device;
  await writeRunConfig(join(dir, 'run-config.json'), config);
}
