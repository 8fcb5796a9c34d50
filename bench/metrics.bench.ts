// Speed of @cpi-bench/metrics: per-checkpoint metrics and inversion statistics for 100 checkpoints x
// 10,000 items with 1,000 bootstrap resamples (target: under 5 s). Baselines measured in the same run:
// the same pipeline without intervals (the cost of scoring alone), and the textbook bootstrap that
// resamples items, against the binomial draws the package uses.
import { performance } from 'node:perf_hooks';
import { mulberry32, type ConflictItem, type PredictionRecord } from '@cpi-bench/schemas';
import { buildInversionReport, formatPValue, proportionRate } from '@cpi-bench/metrics';

const CHECKPOINTS = 100;
const FACTS = 5_000; // a conflict item and its closed-book twin each: 10,000 items
const RESAMPLES = 1_000;

const CITIES = ['Paris', 'Lyon', 'São Paulo', 'Brasília', 'New York', 'Washington', 'Zürich', 'Bern', 'Tokyo', 'Osaka'];
const CATEGORIES = ['country_capital', 'element_symbol', 'author_book', 'landmark_city'];
const HASH = 'a'.repeat(64);
const PHRASINGS: ((a: string) => string)[] = [
  (a) => `The answer is ${a}.`, (a) => a, (a) => `It is ${a}, according to the passage.`, (a) => `I think the answer is ${a}`,
  (a) => `${a}.\nQuestion: What is the capital of`, (a) => `Based on the context, ${a}.`,
];

function makeRun(): { items: ConflictItem[]; records: PredictionRecord[] } {
  const rand = mulberry32(1);
  const items: ConflictItem[] = [];
  for (let i = 0; i < FACTS; i++) {
    const ctx = `${CITIES[i % 10]} ${i}`;
    const par = `${CITIES[(i + 3) % 10]} ${i}`;
    const base = { schemaVersion: 1 as const, dataset: i % 2 ? 'cf_world' : 'cf_capitals', category: CATEGORIES[i % 4]!, groupId: `g${i}`, question: 'Q?', provenance: { source: 'bench' } };
    items.push({ ...base, id: `c${i}`, split: 'conflict', context: `ctx ${ctx}`, contextAnswer: ctx, parametricAnswer: par });
    items.push({ ...base, id: `k${i}`, split: 'closed_book', parametricAnswer: par });
  }
  const propensity = items.map(() => rand());
  const records: PredictionRecord[] = [];
  for (let c = 0; c < CHECKPOINTS; c++) {
    const step = c * 50;
    const p = c < 30 ? 0.3 + c / 60 : 0.8 - (c - 30) / 200; // rises to step 1500, then falls
    items.forEach((item, i) => {
      const follows = propensity[i]! < (item.split === 'conflict' ? p : 0.8);
      // Outputs vary in wording from checkpoint to checkpoint, as a finetuned model's do.
      const answer = item.split === 'conflict' ? (follows ? item.contextAnswer : item.parametricAnswer) : follows ? item.parametricAnswer : undefined;
      const text = answer === undefined ? 'I am not sure.' : PHRASINGS[(i + c) % PHRASINGS.length]!(answer);
      records.push({ schemaVersion: 1, key: HASH, itemId: item.id, split: item.split, step, modelHash: HASH, mode: 'generate', template: 'plain', ok: true, generation: { text } });
    });
  }
  return { items, records };
}

/** Wall-clock and CPU time: the machine is shared, and CPU time is what other processes cannot inflate. */
function time<T>(fn: () => T): { ms: number; cpuMs: number; value: T } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = fn();
  const cpu = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, value };
}
const secs = (t: { ms: number; cpuMs: number }): string => `${(t.ms / 1000).toFixed(2)} s wall (${(t.cpuMs / 1000).toFixed(2)} s CPU)`;

const { items, records } = makeRun();
const [load1] = (await import('node:os')).loadavg();
console.log(`load average ${load1!.toFixed(2)} on ${(await import('node:os')).cpus().length} cores (other processes slow the wall-clock figures, not the CPU ones)`);
const distinct = new Set(records.map((r) => r.generation?.text)).size;
console.log(`${CHECKPOINTS} checkpoints x ${items.length} items = ${records.length.toLocaleString()} generated outputs (${distinct.toLocaleString()} distinct), ${RESAMPLES} bootstrap resamples`);

time(() => buildInversionReport([{ label: 'warm-up', items: items.slice(0, 200), records: records.slice(0, 2000) }], { bootstrapResamples: RESAMPLES }));
const full = time(() => buildInversionReport([{ label: 'bench', items, records }], { bootstrapResamples: RESAMPLES, seed: 1 }));
const noCi = time(() => buildInversionReport([{ label: 'bench', items, records }], { bootstrapResamples: 0 }));
const r = full.value.runs[0]!;
console.log(`metrics + inversion statistics: ${secs(full)} (target < 5 s) -> verdict ${r.verdict.name ?? (r.verdict.detected ? 'inversion' : 'none')}, peak ${r.trajectory.peakStep}, drop test p ${r.dropTest ? formatPValue(r.dropTest.pValue) : '-'}`);
console.log(`baseline, same pipeline without intervals: ${secs(noCi)}; intervals add ${(full.cpuMs / noCi.cpuMs).toFixed(2)}x CPU`);

// Score mode (log-probabilities, M_C and its intervals) over the same items and checkpoints.
const scoreRecords: PredictionRecord[] = records.map((r, i) => ({
  schemaVersion: 1, key: HASH, itemId: r.itemId, split: r.split, step: r.step, modelHash: HASH, mode: 'score', template: 'plain', ok: true,
  candidates: [
    { role: 'context', text: 'a', logprob: -1 - (i % 7) / 3, tokenCount: 2 },
    { role: 'parametric', text: 'b', logprob: -1 - (i % 5) / 2, tokenCount: 3 },
  ],
}));
const scored = time(() => buildInversionReport([{ label: 'bench', items, records: scoreRecords }], { bootstrapResamples: RESAMPLES, seed: 1 }));
console.log(`score mode (logprob scorers, mean M_C with intervals), same size: ${secs(scored)}`);

// The textbook bootstrap resamples the n items; the package draws the resample mean from Binomial(n, p).
const n = 5_000;
const outcomes = Uint8Array.from({ length: n }, (_, i) => (i % 10 < 4 ? 1 : 0));
const naive = time(() => {
  const rand = mulberry32(3);
  const means = new Float64Array(RESAMPLES);
  for (let b = 0; b < RESAMPLES; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += outcomes[Math.floor(rand() * n)]!;
    means[b] = s / n;
  }
  means.sort();
  return [means[24], means[974]];
});
const reps = 2_000;
const binom = time(() => {
  let last;
  for (let k = 0; k < reps; k++) last = proportionRate(2_000, n, { resamples: RESAMPLES, seed: k, level: 0.95 });
  return last;
});
console.log(`one interval over ${n} items (CPU time): resampling items ${naive.cpuMs.toFixed(2)} ms [${naive.value.map((v) => v!.toFixed(4)).join(', ')}], binomial draws ${(binom.cpuMs / reps).toFixed(3)} ms [${binom.value!.lo!.toFixed(4)}, ${binom.value!.hi!.toFixed(4)}]: ${(naive.cpuMs / (binom.cpuMs / reps)).toFixed(0)}x faster`);
// Fail on CPU time: on a shared machine the wall clock also counts other processes' turns.
process.exitCode = full.cpuMs < 5_000 ? 0 : 1;
