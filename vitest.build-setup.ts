// Vitest global setup: brings every package's dist/ up to date (tsc -b; about 0.4 s when nothing changed),
// because tests that spawn a bin (`generate`, `run`) or pack a package run the built JavaScript, as users do,
// while the tests themselves import src/ through the `source` condition.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export default function buildPackages(): void {
  const root = fileURLToPath(new URL('.', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
