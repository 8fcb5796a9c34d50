#!/usr/bin/env node
// Packing step (`prepack`/`postpack`): copies the repository's datasets/seeds and datasets/paper into this
// package's data/ so the tarball carries the files the generator reads at run time, then removes the copy
// (`--remove`) so the repository keeps one committed copy, which src/io/paths.ts reads in a checkout.
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const data = fileURLToPath(new URL('../data/', import.meta.url));
rmSync(data, { recursive: true, force: true });
if (!process.argv.includes('--remove')) {
  for (const name of ['seeds', 'paper']) {
    cpSync(fileURLToPath(new URL(`../../../datasets/${name}/`, import.meta.url)), `${data}${name}`, { recursive: true });
  }
}
