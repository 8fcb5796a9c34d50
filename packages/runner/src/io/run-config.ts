// run-config.json: what a run was asked to do, what it is bound to (series and dataset), and where it came
// from. Written atomically at the start (binding the folder) and again at the end.
import { basename } from 'node:path';
import { SCHEMA_VERSION, validate, writeJsonAtomic, type CheckpointManifest, type Provenance, type RunConfig } from '@cpi-bench/schemas';
import type { RunOptions } from '../config.ts';
import type { RunIdentity } from './run-folder.ts';

/** A run id from the run folder's name. */
export function runIdFrom(runDir: string): string {
  const id = basename(runDir)
    .replace(/[^A-Za-z0-9_.:/-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  return id.slice(0, 200) || 'run';
}

/** A function giving the run's config as the run goes on (resolved device, graph details, failed checkpoints). */
export function buildRunConfig(input: {
  options: RunOptions & { batchSize: number };
  previous: RunConfig | undefined;
  runDir: string;
  started: number;
  identity: RunIdentity;
  itemCount: number;
  provenance: Provenance;
}): (manifests: readonly CheckpointManifest[], resolvedDevice: 'cpu' | 'cuda' | undefined, failed: RunConfig['failedCheckpoints']) => RunConfig {
  const { options, previous, runDir, identity } = input;
  return (manifests, resolvedDevice, failed) => ({
    schemaVersion: SCHEMA_VERSION,
    runId: previous?.runId ?? runIdFrom(runDir),
    label: options.label ?? previous?.label ?? basename(runDir),
    createdAt: previous?.createdAt ?? new Date(input.started).toISOString(),
    series: identity.series,
    checkpoints: manifests.map((m) => ({ path: m.path, step: m.step, modelHash: m.modelHash, tokenizerHash: m.tokenizerHash })),
    ...(failed && failed.length > 0 ? { failedCheckpoints: failed } : {}),
    dataset: { path: identity.dataset.path, sha256: identity.dataset.sha256, items: input.itemCount },
    splits: identity.splits as RunConfig['splits'],
    mode: options.mode,
    template: identity.template,
    limit: options.limit ?? null,
    device: options.device,
    ...(resolvedDevice ? { resolvedDevice } : {}),
    batchSize: options.batchSize,
    threads: options.threads ?? null,
    dtype: [...new Set(manifests.map((m) => m.dtype))].join(','),
    maxNewTokens: options.maxNewTokens,
    stop: [...options.stop],
    provenance: input.provenance,
  });
}

export async function writeRunConfig(file: string, config: RunConfig): Promise<void> {
  await writeJsonAtomic(file, validate('runConfig', config, { file }));
}
