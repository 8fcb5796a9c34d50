#!/usr/bin/env node
// The CLI, compiled to dist/ by `npm run build` (run on install in this repository, and before packing).
import '../dist/cli.js';
