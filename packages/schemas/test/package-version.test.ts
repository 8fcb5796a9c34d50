import { describe, expect, it } from 'vitest';
import { installedVersion, packageJsonVersion } from '../src/index.ts';
import { readFileSync } from 'node:fs';

describe('installedVersion', () => {
  it("finds a dependency's version by resolution from the caller", () => {
    const ajv = JSON.parse(readFileSync(new URL('../../../node_modules/ajv/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(installedVersion('ajv', import.meta.url)).toBe(ajv.version);
  });

  it('is undefined for a package that is not installed', () => {
    expect(installedVersion('no-such-package-cpi-bench', import.meta.url)).toBeUndefined();
  });

  it("reads a folder's own package.json only when the name matches", () => {
    const dir = new URL('..', import.meta.url).pathname;
    expect(packageJsonVersion(dir)).toMatch(/^\d+\.\d+\.\d+/);
    expect(packageJsonVersion(dir, '@cpi-bench/schemas')).toBe(packageJsonVersion(dir));
    expect(packageJsonVersion(dir, 'something-else')).toBeUndefined();
  });
});
