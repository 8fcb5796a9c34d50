#!/usr/bin/env node
// Runs the TypeScript CLI from source: packages are used without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
