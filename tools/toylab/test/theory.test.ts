import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTheory, runTheoryScenarios, writeTheoryFiles } from '../src/index.ts';

describe('theory mode (paper §5 one-layer model)', () => {
  it('C+S mix under the paper conditions: attention to the context and M_C rise, then fall', () => {
    // δ_C = 0.3 > 3/(K_A-1) = 0.158, δ_M = 0.75 > 2δ_C, |D_C| = |D_C+S|: the preconditions of Thm. 1.
    const { points, summary } = runTheory({ contextCritical: 100, nonContextCritical: 100, answers: 20, deltaC: 0.3, deltaM: 0.75 });
    const first = points[0]!;
    const last = points.at(-1)!;
    const peak = points[summary.peakStep]!;
    expect(first.contextAttention).toBeCloseTo(0.5, 3); // the paper's initial state: half on c, half on s
    expect(peak.contextRatio).toBeGreaterThan(first.contextRatio + 0.3);
    expect(summary.peakStep).toBeGreaterThan(0);
    expect(summary.peakStep).toBeLessThan(points.length - 1);
    expect(last.contextRatio).toBeLessThan(peak.contextRatio - 0.05);
    expect(summary.peakAttention).toBeGreaterThan(first.contextAttention + 0.2);
    expect(last.contextAttention).toBeLessThan(summary.peakAttention - 0.05);
    // Training loss keeps falling while reliance on held-out conflicts falls: the inversion signature.
    expect(last.trainLoss).toBeLessThan(peak.trainLoss);
    // The shared subject direction gains weight after the peak (Prop. 1's sign reversal).
    expect(last.weightSubject).toBeGreaterThan(peak.weightSubject);
    expect(summary.inverted).toBe(true);
  });

  it('pure C mix: reliance rises and never falls', () => {
    const { points, summary } = runTheory({ contextCritical: 100, nonContextCritical: 0 });
    for (let i = 1; i < points.length; i++) {
      expect(points[i]!.contextRatio).toBeGreaterThanOrEqual(points[i - 1]!.contextRatio - 1e-9);
    }
    expect(summary.inverted).toBe(false);
  });

  it('is deterministic and the fall also appears at a small learning rate (not only an overshoot)', () => {
    expect(runTheory({ seed: 3 })).toEqual(runTheory({ seed: 3 }));
    expect(runTheory({ lr: 1, steps: 300 }).summary.inverted).toBe(true);
  });

  it('rejects options that break the paper preconditions with a CpiError', () => {
    expect(() => runTheory({ deltaC: 0.01, answers: 20 })).toThrow(expect.objectContaining({ code: 'CPI_TOYLAB_BAD_OPTION' }));
    expect(() => runTheory({ contextCritical: 0, nonContextCritical: 0 })).toThrow(/cannot both be 0/);
  });

  it('writes curves as JSON, CSV and SVG', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toylab-theory-'));
    try {
      const scenarios = runTheoryScenarios({ steps: 20 });
      const files = await writeTheoryFiles(scenarios, dir);
      expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['theory.json', 'theory.csv', 'theory.svg']);
      const json = JSON.parse(await readFile(files[0]!, 'utf8')) as { scenarios: { id: string; points: unknown[] }[] };
      expect(json.scenarios.map((s) => s.id)).toEqual(['c-only', 'c-plus-s', 'c-plus-s-values']);
      expect(json.scenarios[0]!.points).toHaveLength(21);
      const csv = (await readFile(files[1]!, 'utf8')).trim().split('\n');
      expect(csv).toHaveLength(1 + 3 * 21);
      expect(await readFile(files[2]!, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
