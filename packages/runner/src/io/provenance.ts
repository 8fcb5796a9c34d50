// Where a run came from: tool and runtime versions and the git revision, recorded in run-config.json.
// Everything is found from this package's own location (its dependencies through module resolution), never
// from a repository root, so an installed runner reports its installed versions.
import { execFile } from 'node:child_process';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { installedVersion, packageJsonVersion, type Provenance } from '@cpi-bench/schemas';

/** This package's folder: src/io and dist/io are both two levels below it. */
const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
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
    const v = installedVersion(name, import.meta.url);
    if (v) packageVersions[name] = v;
  }
  return {
    tool: '@cpi-bench/runner',
    toolVersion: packageJsonVersion(PACKAGE_DIR) ?? '0.0.0',
    gitRevision: await gitRevision(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    packageVersions,
  };
}
