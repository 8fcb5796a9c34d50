// Where the backend's time goes, by phase: an opt-in wall-clock tally that the benchmark reads to print
// (and the README to quote) a profile of a run. Off by default: then each phase costs one branch, no clock.

export const PHASES = ['tokenise', 'feeds', 'session.run', 'cache', 'logits'] as const;
export type Phase = (typeof PHASES)[number];

export class BackendProfile {
  enabled = false;
  /** Milliseconds; a benchmark may swap in the process's CPU time to match its own clock. */
  clock: () => number = () => performance.now();
  readonly ms: Record<Phase, number> = { tokenise: 0, feeds: 0, 'session.run': 0, cache: 0, logits: 0 };

  /** A start mark for `add`; 0 when profiling is off. */
  start(): number {
    return this.enabled ? this.clock() : 0;
  }

  /** Adds the time since `mark` to `phase` and returns a new mark, so consecutive phases chain. */
  add(phase: Phase, mark: number): number {
    if (!this.enabled) return 0;
    const now = this.clock();
    this.ms[phase] += now - mark;
    return now;
  }

  reset(): void {
    for (const p of PHASES) this.ms[p] = 0;
  }
}

/** The process's one tally (a run uses one backend at a time). */
export const backendProfile = new BackendProfile();
