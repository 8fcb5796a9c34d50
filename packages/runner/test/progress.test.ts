// Piped (non-TTY) progress: between checkpoint lines, a line at most every few seconds with rate and ETA.
import { describe, expect, it } from 'vitest';
import { plainProgress } from '../src/io/progress.ts';

describe('plainProgress', () => {
  it('prints a rate-and-ETA line at most every interval, not only per checkpoint', () => {
    let t = 0;
    const lines: string[] = [];
    const p = plainProgress((l) => lines.push(l), { intervalMs: 5000, now: () => t });
    p.start(1000);
    for (let i = 0; i < 100; i++) {
      t += 200; // 10 jobs every 200 ms: 50 jobs/s
      p.advance(10);
    }
    const progress = lines.filter((l) => l.startsWith('progress:'));
    // 20 s in all, one line per 5 s at most, the last job (done) printing none.
    expect(progress).toHaveLength(3);
    expect(progress[0]).toBe('progress: 250/1000 jobs (25.0%), 50.0 jobs/s, ETA 0m15s');
  });

  it('counts each run anew when one sink serves two runs (the default benchmark runs two series)', () => {
    let t = 0;
    const lines: string[] = [];
    const p = plainProgress((l) => lines.push(l), { intervalMs: 5000, now: () => t });
    for (const run of [1, 2]) {
      p.start(1000);
      for (let i = 0; i < 30; i++) {
        t += 200;
        p.advance(10);
      }
      expect(lines.filter((l) => l.startsWith('progress:')).at(-1), `run ${run}`).toBe('progress: 250/1000 jobs (25.0%), 50.0 jobs/s, ETA 0m15s');
    }
  });
});
