// Where a MitigationReport came from: tool, runtime and the versions of the packages whose data or code
// shape the output (the fact base's packages, compromise). The runner's collectProvenance also records the
// git revision; it lives in the runner, which this package may not import, so the revision is left out here
// (and this walk-up duplicates the generator's unexported packageVersion: both belong in schemas).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Provenance } from '@cpi-bench/schemas';

const require = createRequire(import.meta.url);

/** The installed version of a package: its package.json, found by walking up from its entry (exports hide it). */
function versionOf(name: string): string | undefined {
  let dir: string;
  try {
    dir = dirname(require.resolve(name));
  } catch {
    return undefined;
  }
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version;
    } catch {
      // no package.json here; keep walking up
    }
  }
  return undefined;
}

export function mitigationProvenance(): Provenance {
  const packageVersions: Record<string, string> = {};
  for (const name of ['@cpi-bench/generator', '@cpi-bench/schemas', 'compromise']) {
    const v = versionOf(name);
    if (v) packageVersions[name] = v;
  }
  return {
    tool: '@cpi-bench/mitigations',
    toolVersion: versionOf('@cpi-bench/mitigations') ?? '0.0.0',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    packageVersions,
  };
}
