// What a run tells the outside world while it works. Library code reports through this sink and never
// writes to the console; io/progress.ts draws it as a bar or as plain lines.

export interface CheckpointDone {
  step: number;
  index: number;
  of: number;
  computed: number;
  cached: number;
  failed: number;
  seconds: number;
  /** Resident memory after the session was released, to show it stays flat over a sweep. */
  rssBytes: number;
}

export interface ProgressSink {
  /** `total` jobs: items x modes x checkpoints. */
  start(total: number): void;
  /** `n` more jobs finished (computed or found in the store). */
  advance(n: number): void;
  checkpointDone(info: CheckpointDone): void;
  /** A one-line message (CPU fallback, stale lock taken over, lines dropped on resume). */
  notice(message: string): void;
  stop(): void;
}

/** A sink that says nothing (tests, --json). */
export const silentProgress: ProgressSink = {
  start() {},
  advance() {},
  checkpointDone() {},
  notice() {},
  stop() {},
};
