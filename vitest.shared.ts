// One vitest setup for every project. When CPI_TEST_REPORT_DIR is set (by .ci/run), each project also
// writes a JSON report there, so CI can print one "N passed, N failed" line for the whole suite.
// Workspace packages resolve through their `source` export condition, so tests run src/ with no build step.
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

export function sharedTestConfig(configUrl: string): ViteUserConfig {
  const project = basename(dirname(fileURLToPath(configUrl)));
  const reportDir = process.env['CPI_TEST_REPORT_DIR'];
  // 'source' first, then vite's defaultServerConditions (setting the list replaces the defaults).
  const conditions = ['source', 'module', 'node', 'development|production'];
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      globalSetup: [fileURLToPath(new URL('./vitest.build-setup.ts', import.meta.url))],
      include: ['test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      passWithNoTests: true,
      reporters: reportDir ? ['default', ['json', { outputFile: join(reportDir, `${project}.json`) }]] : ['default'],
    },
  };
}
