// The JSON that bench/runner-sizes.bench.ts writes with --json and bench/runner-speed-readme.ts reads: one
// definition, so the writer and the reader cannot drift apart.

/** One mode (score or generate) at one model size. */
export interface ModeResult {
  itemsPerSecond: { runner: number; runnerWholeRun: number; floor: number; naive: number };
  floorRatio: number;
  naiveRatio: number;
  pass: { floor: boolean; naive: boolean | null };
  /** Milliseconds of the median runner round, by phase. */
  profile: Record<string, number>;
}

export interface RunnerSizesReport {
  goals: { floorRatio: number; naiveScore70m: number; naiveGenerate70m: number };
  machine: { cores: number; loadAverage1m: { before: number; after: number }; device: string; clock: 'cpu' | 'wall'; threads: number };
  rounds: number;
  batch: number;
  quick: boolean;
  command?: string;
  sizes: { name: string; label: string; params: number; items: number; baselineItems: number; maxNewTokens: number; device: string; modes: Record<'score' | 'generate', ModeResult> }[];
  sweep?: { checkpoints: number; rssMB: { first: number; max: number; last: number } };
}
