// Where a run came from: tool and runtime versions and the git revision, recorded in run-config.json.
// Everything is found from this package's own location (its dependencies through module resolution), never
// from a repository root, so an installed runner reports its installed versions.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Provenance } from '@cpi-bench/schemas';

/** This package's folder: src/io and dist/io are both two levels below it. */
const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);

function readVersion(dir: string, name?: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
    return name === undefined || pkg.name === name ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/** The version of a dependency as this package resolves it (walking up from its entry, as some export no package.json). */
function versionOf(name: string): string | undefined {
  let dir: string;
  try {
    dir = dirname(require.resolve(name));
  } catch {
    return undefined;
  }
  for (let up = 0; up < 8 && dir !== dirname(dir); up++, dir = dirname(dir)) {
    const version = readVersion(dir, name);
    if (version) return version;
  }
  return undefined;
}

/** The git revision of the runner's source, only when it runs from a checkout (an installed copy has none of its own). */
async function gitRevision(): Promise<string | null> {
  if (PACKAGE_DIR.split(sep).includes('node_modules')) return null;
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: PACKAGE_DIR, timeout: 5000 });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** Tool, runtime and package versions and the git revision of this run. */
export async function collectProvenance(): Promise<Provenance> {
  const packageVersions: Record<string, string> = {};
  for (const name of ['onnxruntime-node', '@huggingface/transformers', '@cpi-bench/generator', '@cpi-bench/metrics', '@cpi-bench/schemas']) {
    const v = versionOf(name);
    if (v) packageVersions[name] = v;
  }
  return {
    tool: '@cpi-bench/runner',
    toolVersion: readVersion(PACKAGE_DIR) ?? '0.0.0',
    gitRevision: await gitRevision(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    packageVersions,
  };
}
