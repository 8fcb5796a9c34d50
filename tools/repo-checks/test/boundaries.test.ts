// Holds the architecture in place: which project may import which (by Nx tag), no reaching into another
// package's src/, and one module alone touching the inference runtime.
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
interface Constraint { sourceTag: string; onlyDependOnLibsWithTags: string[] }
interface Boundaries { depConstraints: Constraint[]; singleImporter: { modules: string[]; allowedIn: string[] } }
interface Project { name: string; dir: string; tags: string[] }

async function projects(): Promise<Project[]> {
  const out: Project[] = [];
  for (const group of ['packages', 'tools']) {
    for (const entry of await readdir(join(root, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(root, group, entry.name);
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8').catch(() => 'null')) as
        | { name: string; nx?: { tags?: string[] } } | null;
      if (pkg) out.push({ name: pkg.name, dir, tags: pkg.nx?.tags ?? [] });
    }
  }
  return out;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  // A project without src/ (the test-only tools) has nothing to check there; built dist/ copies are not sources.
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    const path = join(entry.parentPath, entry.name);
    const generated = path.split(sep).some((part) => part === 'node_modules' || part === 'dist');
    if (entry.isFile() && /\.(ts|js|mjs)$/.test(entry.name) && !generated && entry.name !== 'vitest.config.ts') files.push(path);
  }
  return files;
}

const importRe = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
function imports(text: string): string[] {
  return [...text.matchAll(importRe)].map((m) => m[1] ?? m[2] ?? '');
}

describe('module boundaries', async () => {
  const rules = JSON.parse(await readFile(join(root, 'tools/module-boundaries.json'), 'utf8')) as Boundaries;
  const all = await projects();
  const byName = new Map(all.map((p) => [p.name, p]));

  it('every project has a tag that a constraint covers', () => {
    for (const p of all) expect(p.tags.some((t) => rules.depConstraints.some((c) => c.sourceTag === t)), p.name).toBe(true);
  });

  it.each(all.map((p) => [p.name, p] as const))('%s imports only what its tags allow, through index.ts', async (_name, project) => {
    const allowed = new Set(rules.depConstraints.filter((c) => project.tags.includes(c.sourceTag)).flatMap((c) => c.onlyDependOnLibsWithTags));
    const violations: string[] = [];
    for (const file of await sourceFiles(project.dir)) {
      const rel = relative(root, file);
      for (const spec of imports(await readFile(file, 'utf8'))) {
        if (spec.startsWith('@cpi-bench/')) {
          const [scope, name, ...deep] = spec.split('/');
          const target = byName.get(`${scope}/${name}`);
          if (!target) violations.push(`${rel}: unknown project ${spec}`);
          else if (target !== project && !target.tags.some((t) => allowed.has(t))) violations.push(`${rel}: may not depend on ${target.name}`);
          if (deep.length > 0) violations.push(`${rel}: deep import ${spec}; use the package's index.ts`);
        } else if (spec.startsWith('.')) {
          const resolved = join(file, '..', spec);
          if (!resolved.startsWith(project.dir)) violations.push(`${rel}: relative import leaves the project: ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('only the runner backend imports onnxruntime-node and @huggingface/transformers', async () => {
    const importers: string[] = [];
    for (const p of all) {
      if (p.name === '@cpi-bench/repo-checks') continue;
      for (const file of await sourceFiles(join(p.dir, 'src'))) {
        if (imports(await readFile(file, 'utf8')).some((s) => rules.singleImporter.modules.some((m) => s === m || s.startsWith(m + '/')))) {
          importers.push(relative(root, file));
        }
      }
    }
    for (const file of importers) expect(rules.singleImporter.allowedIn).toContain(file);
  });
});
