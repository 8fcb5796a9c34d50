// Each package under packages/ can be installed and used on its own: it declares every module its src/ imports,
// never imports tools/, ships only what a user needs, exports built JavaScript with types (plus the `source`
// condition the repository's tests use), and carries a README and a LICENSE. The consumer test
// (tools/consumer-test) then proves it with real tarballs.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const packages = readdirSync(join(root, 'packages')).filter((d) => existsSync(join(root, 'packages', d, 'package.json')));
const importRe = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

interface Manifest {
  name: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  files?: string[];
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

function bareImports(dir: string): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    for (const m of readFileSync(join(entry.parentPath, entry.name), 'utf8').matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? '';
      if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return found;
}

describe.each(packages)('packages/%s', (name) => {
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

  it('declares every module its src/ imports at run time, and no tools/ package', () => {
    const declared = new Set(Object.keys(pkg.dependencies ?? {}));
    const undeclared = [...bareImports(join(dir, 'src'))].filter((m) => !declared.has(m));
    expect(undeclared).toEqual([]);
    const tools = readdirSync(join(root, 'tools')).flatMap((t) => {
      const file = join(root, 'tools', t, 'package.json');
      return existsSync(file) ? [(JSON.parse(readFileSync(file, 'utf8')) as Manifest).name] : [];
    });
    expect(Object.keys(pkg.dependencies ?? {}).filter((d) => tools.includes(d))).toEqual([]);
  });

  it('is installable: not private, built exports with types and a source condition, files, README, LICENSE', () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.exports?.['.']).toEqual({ source: './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' });
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE']));
    expect(pkg.files).not.toContain('src');
    expect(existsSync(join(dir, 'README.md'))).toBe(true);
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('## Install and use on its own');
  });

  it('has bins that are plain JavaScript run by node (no TypeScript loader)', () => {
    for (const bin of Object.values(pkg.bin ?? {})) {
      const text = readFileSync(join(dir, bin), 'utf8');
      expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
      expect(text).not.toMatch(/tsx|\.ts['"]/);
    }
  });
});
