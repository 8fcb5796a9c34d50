// A sweep spans sessions: rerun into the same folder, it keeps the finished runs instead of recomputing
// them, and refuses to mix runs made under other options.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeSweeps, runSweep } from '../src/index.ts';

const TINY = { size: 'tiny', vocabSize: 300, closedBookGate: 0, gateEvery: 3, pretrainMaxSteps: 3, pretrainBatch: 8, steps: 2, batch: 8, checkpointEvery: 2, probeLimit: 5 } as const;
const SWEEP_TIMEOUT_MS = 60_000;

describe('toylab sweep, resumed', () => {
  it('keeps finished runs, adds the missing ones, and refuses other options', async () => {
    const out = await mkdtemp(join(tmpdir(), 'toylab-sweep-'));
    try {
      await runSweep({ seeds: [3], settings: ['ncc-50'], base: TINY, outDir: out });
      const first = JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8')) as { runs: { setting: string; seconds: number }[] };
      const log: string[] = [];
      const r = await runSweep({ seeds: [3], settings: ['ncc-50', 'cf-10'], base: TINY, outDir: out }, undefined, (line) => log.push(line));
      expect(r.runs.map((x) => x.setting)).toEqual(['ncc-50', 'cf-10']);
      expect(log).toContain(`ncc-50 seed 3: already in ${out}, kept`);
      expect(r.runs[0]!.seconds).toBe(first.runs[0]!.seconds); // not recomputed
      await expect(runSweep({ seeds: [3], settings: ['ncc-50'], base: { ...TINY, steps: 4 }, outDir: out })).rejects.toMatchObject({ code: 'CPI_TOYLAB_SWEEP_OPTIONS_CHANGED' });
      // A merged folder can be resumed too: the runs keep their options.
      const merged = join(out, 'merged');
      await mergeSweeps([out], merged);
      const again: string[] = [];
      await runSweep({ seeds: [3], settings: ['ncc-50', 'cf-10'], base: TINY, outDir: merged }, undefined, (line) => again.push(line));
      expect(again).toHaveLength(2);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, SWEEP_TIMEOUT_MS);
});
