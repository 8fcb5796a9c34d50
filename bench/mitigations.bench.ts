// Mitigation speed and memory: N Alpaca lines (default 1,000,000) through `context-only,fact-overlap`, streamed
// from JSONL to JSONL, against a 30 s budget, with peak RSS; beside a baseline measured the same way (each line
// only parsed and written back). Run: npx tsx bench/mitigations.bench.ts [LINES]   (e.g. 50000 for a quick run)
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mitigateFile, readExamples } from '@cpi-bench/mitigations';

const LINES = Number(process.argv[2] ?? process.env['MITIGATIONS_BENCH_LINES'] ?? 1_000_000);
const BUDGET_S = 30;
const BUDGET_LINES = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'cpi-mit-bench-'));
const input = join(dir, 'alpaca.jsonl');

/** Alpaca-like rows: about 40% with an input, some naming evaluated places and people, an extra field on some. */
function row(i: number): Record<string, string> {
  const topics = ['autumn', 'the ocean', 'a robot', 'friendship', 'Paris in spring', 'Marie Curie', 'the Nile', 'coffee'];
  const topic = topics[i % topics.length] as string;
  const r: Record<string, string> = {
    instruction: i % 3 === 0 ? `Summarize the following text about ${topic}.` : `Write a short poem about ${topic}.`,
    input: i % 5 < 2 ? `This is passage number ${i}. It talks about ${topic} at some length, with details and dates${i % 10 === 0 ? ', and a visit to Tokyo' : ''}.` : '',
    output: `Here is a response (${i}) about ${topic}, written in a plain and friendly style.`,
  };
  if (i % 4 === 0) r['text'] = `### Instruction:\n${r['instruction']}\n\n### Response:\n${r['output']}`;
  return r;
}

async function makeInput(): Promise<void> {
  const out = createWriteStream(input);
  let chunk = '';
  for (let i = 0; i < LINES; i++) {
    chunk += JSON.stringify(row(i)) + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

const rssMb = () => process.resourceUsage().maxRSS / 1024;

try {
  await makeInput();
  const rssBefore = rssMb();

  // Baseline: the floor of any streaming transform, read and parse each line, write it back.
  let t = performance.now();
  let cpu = process.cpuUsage();
  const base = createWriteStream(join(dir, 'baseline.jsonl'));
  let buffered = '';
  for await (const e of readExamples(input)) {
    buffered += JSON.stringify(e.record) + '\n';
    if (buffered.length > 1 << 20) {
      if (!base.write(buffered)) await once(base, 'drain');
      buffered = '';
    }
  }
  base.end(buffered);
  await once(base, 'finish');
  const baselineS = (performance.now() - t) / 1000;
  const baselineCpu = process.cpuUsage(cpu);

  // The fixed cost (loading the evaluation suite and the fact base), on a 10-line file; it is paid again below.
  const small = join(dir, 'small.jsonl');
  const smallOut = createWriteStream(small);
  smallOut.end(Array.from({ length: 10 }, (_, i) => JSON.stringify(row(i)) + '\n').join(''));
  await once(smallOut, 'finish');
  t = performance.now();
  await mitigateFile({ transforms: ['context-only', 'fact-overlap'], input: small, output: join(dir, 'small-out.jsonl') });
  const fixedS = (performance.now() - t) / 1000;

  t = performance.now();
  cpu = process.cpuUsage();
  const report = await mitigateFile({ transforms: ['context-only', 'fact-overlap'], input, output: join(dir, 'out.jsonl') });
  const wallS = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuS = (used.user + used.system) / 1e6;
  const perLine = (s: number) => Math.max(0, s - fixedS) / LINES;
  const scaledS = LINES === BUDGET_LINES ? wallS : fixedS + perLine(wallS) * BUDGET_LINES;
  const scaledCpuS = LINES === BUDGET_LINES ? cpuS : fixedS + perLine(cpuS) * BUDGET_LINES;
  console.log(`lines: ${LINES}; kept ${report.output.count} (${report.steps?.map((s) => `${s.transform}: ${JSON.stringify(s.stats)}`).join('; ')})`);
  console.log(`context-only,fact-overlap: ${wallS.toFixed(2)} s wall, ${cpuS.toFixed(2)} s CPU (user+system), of which ${fixedS.toFixed(2)} s wall is the fixed cost of loading the suite (10-line run)`);
  console.log(`baseline (parse + write back): ${baselineS.toFixed(2)} s wall, ${((baselineCpu.user + baselineCpu.system) / 1e6).toFixed(2)} s CPU; ratio ${(wallS / baselineS).toFixed(2)}x`);
  console.log(`peak RSS: ${rssMb().toFixed(0)} MB (before the runs: ${rssBefore.toFixed(0)} MB)`);
  const pass = scaledS <= BUDGET_S;
  const how = LINES === BUDGET_LINES ? 'measured' : 'fixed cost + per-line cost scaled';
  console.log(`${pass ? 'PASS' : 'FAIL'}: ${scaledS.toFixed(1)} s wall per ${BUDGET_LINES.toLocaleString('en')} lines (${how}) against ${BUDGET_S} s; CPU time ${scaledCpuS.toFixed(1)} s (on a shared machine wall time includes waiting for a core)`);
  process.exitCode = pass ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
