// Where a run came from: tool and runtime versions and the git revision, recorded in run-config.json.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Provenance } from '@cpi-bench/schemas';

/** The repository root (packages are used from source, so it is three folders above this file). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

async function versionOf(dir: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

async function gitRevision(): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, timeout: 5000 });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** Tool, runtime and package versions and the git revision of this run. */
export async function collectProvenance(): Promise<Provenance> {
  const packageVersions: Record<string, string> = {};
  for (const name of ['onnxruntime-node', '@huggingface/transformers', '@cpi-bench/generator', '@cpi-bench/metrics', '@cpi-bench/schemas']) {
    const v = await versionOf(join(REPO_ROOT, 'node_modules', name));
    if (v) packageVersions[name] = v;
  }
  return {
    tool: '@cpi-bench/runner',
    toolVersion: (await versionOf(join(REPO_ROOT, 'packages/runner'))) ?? '0.0.0',
    gitRevision: await gitRevision(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    packageVersions,
  };
}
