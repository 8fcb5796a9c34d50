// The installed version of a package, for provenance records. Found by module resolution from the caller's
// own location (so each package reports what it really loads), then by walking up to the package.json whose
// name matches: many packages' `exports` hide their package.json from require.resolve.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The `version` of `dir`/package.json, when its `name` is `name` (any name when omitted). */
export function packageJsonVersion(dir: string, name?: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
    return name === undefined || pkg.name === name ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The version of `name` as resolved from `from` (pass `import.meta.url`), or undefined when it is not installed.
 * @example installedVersion('onnxruntime-node', import.meta.url) // '1.30.0'
 */
export function installedVersion(name: string, from: string | URL): string | undefined {
  let dir: string;
  try {
    dir = dirname(createRequire(from).resolve(name));
  } catch {
    return undefined;
  }
  for (let up = 0; up < 8 && dir !== dirname(dir); up++, dir = dirname(dir)) {
    const version = packageJsonVersion(dir, name);
    if (version) return version;
  }
  return undefined;
}
