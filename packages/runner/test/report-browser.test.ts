// report.html in a real browser (headless Chromium through playwright-core): the default run (the committed
// toy series, its items cut to 200) is benchmarked, its report opened offline, and the per-item view must
// show the items that flipped between the smoothed peak and the final checkpoint, as many as the report's
// paired counts, with no request leaving the file and no script error. A screenshot is taken.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './fixtures/checkpoints.ts';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const REPO_DATASETS = fileURLToPath(new URL('../../../datasets', import.meta.url));
/** Debian's `chromium` package (.ci/run installs it). */
const CHROMIUM = process.env['CPI_CHROMIUM'] ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const RUN_TIMEOUT_MS = 240_000;
const BROWSER_TIMEOUT_MS = 60_000;
const LIMIT = 200;
const exec = promisify(execFile);

// Without a browser the test cannot run; CI sets CPI_REQUIRE_BROWSER=1 so that a missing one fails instead.
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env['CPI_REQUIRE_BROWSER'] === '1') throw new Error(`CPI_REQUIRE_BROWSER=1 but there is no ${CHROMIUM} (apt-get install -y chromium)`);

let root: { dir: string; cleanup: () => Promise<void> };
let reportDir: string;
let pairedFlips: number;
beforeAll(async () => {
  if (!haveBrowser) return;
  root = await tempDir('cpi-browser-');
  // The default run, as a user starts it from a checkout: `npx run benchmark` beside datasets/.
  await symlink(REPO_DATASETS, join(root.dir, 'datasets'));
  const { stdout } = await exec(process.execPath, [BIN, 'benchmark', '--limit', String(LIMIT), '--device', 'cpu', '--json'], { cwd: root.dir, timeout: RUN_TIMEOUT_MS });
  const summary = JSON.parse(stdout) as { run: { runDir: string } };
  reportDir = join(summary.run.runDir, 'report');
  const report = JSON.parse(await readFile(join(reportDir, 'inversion-report.json'), 'utf8')) as { runs: { mcnemar: { ctxToPar: number } | null }[] };
  pairedFlips = report.runs[0]!.mcnemar?.ctxToPar ?? 0;
}, RUN_TIMEOUT_MS);
afterAll(() => root?.cleanup());

describe.skipIf(!haveBrowser)('report.html in headless Chromium', () => {
  it(
    'shows the flipped items of the default pair, filters them, loads nothing from the network',
    async () => {
      expect(pairedFlips).toBeGreaterThan(0);
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
        page.on('request', (r) => {
          if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`request: ${r.url()}`);
        });
        await page.goto(pathToFileURL(join(reportDir, 'report.html')).href);
        const rows = page.locator('#flipped-items tbody tr');
        expect(await rows.count()).toBe(pairedFlips);
        expect(await page.locator('#iv-a option:checked').textContent()).toContain('smoothed peak');
        expect(await page.locator('#iv-b option:checked').textContent()).toContain('final');
        // Prompt, both answers and both outputs side by side.
        const first = rows.first().locator('td');
        expect(await first.count()).toBe(6);
        expect(await first.nth(1).textContent()).toMatch(/Question: .*\nAnswer:$/s);
        // A filter that matches nothing empties the table; the other direction is a different list.
        await page.selectOption('#iv-strategy', { index: 1 });
        const strategy = await page.locator('#iv-strategy').inputValue();
        expect(strategy).not.toBe('');
        await page.selectOption('#iv-dir', 'par-ctx');
        expect(await page.locator('#iv-count').textContent()).toMatch(/started following the context/);
        await page.selectOption('#iv-dir', 'ctx-par');
        await page.selectOption('#iv-strategy', '');
        expect(await rows.count()).toBe(pairedFlips);
        // The scorer comparison and the known-facts view are in the page too.
        expect(await page.locator('table.scorers tr').count()).toBeGreaterThan(2);
        const shot = join(root.dir, 'items-view.png');
        await mkdir(root.dir, { recursive: true });
        await page.locator('#items-view').screenshot({ path: shot });
        const png = await readFile(shot);
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect((await stat(shot)).size).toBeGreaterThan(5_000);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    BROWSER_TIMEOUT_MS,
  );
});
