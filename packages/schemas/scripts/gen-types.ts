// Generates src/types.generated.ts from schemas/*.schema.json, so the TypeScript types cannot drift
// from the schemas: test/types.test.ts fails when the committed file differs from a fresh generation.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateSchemaTypes } from './schema-types.ts';

const out = fileURLToPath(new URL('../src/types.generated.ts', import.meta.url));
await writeFile(out, await generateSchemaTypes());
console.log(`wrote ${out}`);
