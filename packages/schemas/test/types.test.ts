import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateSchemaTypes } from '../scripts/schema-types.ts';

describe('generated types', () => {
  it('match the schemas (run `npx tsx packages/schemas/scripts/gen-types.ts` if this fails)', async () => {
    const committed = await readFile(new URL('../src/types.generated.ts', import.meta.url), 'utf8');
    expect(await generateSchemaTypes()).toBe(committed);
  }, 30_000);
});
