// The default run with the toy lab's two series: datasets/toy-series-cf10 is overlaid when present, and
// each series' in-distribution scores (benchmarks.csv) reach the report under that run's label.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBenchmarkCsv } from '@cpi-bench/metrics';
import { resolveDefaultRun, writeDefaultBenchmarks } from '../src/io/default-series.ts';
import { tempDir } from './fixtures/checkpoints.ts';

describe('default toy series with its counterfactual twin', () => {
  it('overlays datasets/toy-series-cf10 and labels each series\' benchmark rows with its run', async () => {
    const root = await tempDir();
    try {
      for (const [name, score] of [['toy-series', 0.9], ['toy-series-cf10', 0.8]] as const) {
        const dir = join(root.dir, 'datasets', name);
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, 'series.json'), JSON.stringify({ schemaVersion: 1, dataset: '../toy-eval', template: 'plain' }));
        await writeFile(join(dir, 'benchmarks.csv'), `step,benchmark,score\n0,toy-aligned,${score}\n100,toy-aligned,${score}\n`);
      }
      const run = await resolveDefaultRun(root.dir);
      expect(run.overlay).toMatchObject({ checkpoints: join(root.dir, 'datasets/toy-series-cf10'), dataset: join(root.dir, 'datasets/toy-eval'), out: join(root.dir, 'runs/toy-series-cf10') });
      expect(run.label).not.toBe(run.overlay!.label);
      const file = await writeDefaultBenchmarks([run, run.overlay!], join(root.dir, 'bench.csv'));
      const rows = parseBenchmarkCsv(await readFile(file!, 'utf8'), file!);
      expect(rows.filter((r) => r.run === run.label).map((r) => r.score)).toEqual([0.9, 0.9]);
      expect(rows.filter((r) => r.run === run.overlay!.label).map((r) => r.score)).toEqual([0.8, 0.8]);
    } finally {
      await root.cleanup();
    }
  });

  it('runs the baseline series alone when there is no counterfactual twin', async () => {
    const root = await tempDir();
    try {
      await mkdir(join(root.dir, 'datasets/toy-series'), { recursive: true });
      const run = await resolveDefaultRun(root.dir);
      expect(run.overlay).toBeUndefined();
      expect(await writeDefaultBenchmarks([run], join(root.dir, 'bench.csv'))).toBeNull();
    } finally {
      await root.cleanup();
    }
  });
});
