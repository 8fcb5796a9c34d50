// Where a MitigationReport came from: tool, runtime and the versions of the packages whose data or code
// shape the output (the fact base's packages, compromise). The runner's collectProvenance also records the
// git revision; it lives in the runner, which this package may not import, so the revision is left out here.
import { installedVersion, type Provenance } from '@cpi-bench/schemas';

export function mitigationProvenance(): Provenance {
  const packageVersions: Record<string, string> = {};
  for (const name of ['@cpi-bench/generator', '@cpi-bench/schemas', 'compromise']) {
    const v = installedVersion(name, import.meta.url);
    if (v) packageVersions[name] = v;
  }
  return {
    tool: '@cpi-bench/mitigations',
    toolVersion: installedVersion('@cpi-bench/mitigations', import.meta.url) ?? '0.0.0',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    packageVersions,
  };
}
