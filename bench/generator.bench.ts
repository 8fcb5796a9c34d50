// Generator speed: 100,000 items end to end (fact base, generation, schema validation, JSONL + manifest,
// atomic write), against a baseline measured side by side: the same items only JSON-serialised and written.
// Run: npx tsx bench/generator.bench.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSuite, generateItems, loadFactBase, writeSuite } from '@cpi-bench/generator';

const TARGET_ITEMS = 100_000;
const BUDGET_S = 10;
const dir = mkdtempSync(join(tmpdir(), 'cpi-gen-bench-'));
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

// CPU time beside wall time: on a shared machine (other jobs on the 2 cores) wall time includes waiting.
const cpu0 = process.cpuUsage();
try {
  let t = process.hrtime.bigint();
  const facts = await loadFactBase();
  const loadMs = ms(t);

  // Variants per fact (each a fresh substitute, context and twins) until the target is reached.
  const probeCpu = process.cpuUsage();
  const perVariant = generateItems(facts, { seed: 1, variants: 1 }).items.length;
  const variants = Math.ceil(TARGET_ITEMS / perVariant);
  const probe = process.cpuUsage(probeCpu);
  t = process.hrtime.bigint();
  const { items } = generateItems(facts, { seed: 1, variants });
  const generateMs = ms(t);

  t = process.hrtime.bigint();
  const suite = buildSuite({ datasets: [{ dataset: 'bench', items }], formats: ['jsonl'], seed: 1, generatorVersion: 'bench', options: {} });
  const buildMs = ms(t);
  t = process.hrtime.bigint();
  await writeSuite(join(dir, 'suite'), suite);
  const writeMs = ms(t);
  const totalMs = loadMs + generateMs + buildMs + writeMs;
  const cpu = process.cpuUsage(cpu0);
  // Less the probe run that sized the variants (not part of the measured pipeline).
  const cpuMs = (cpu.user + cpu.system - probe.user - probe.system) / 1000;

  // Baseline: the floor of any writer of these items, serialisation and one file write, no validation.
  t = process.hrtime.bigint();
  let text = '';
  for (const item of items) text += JSON.stringify(item) + '\n';
  await writeFile(join(dir, 'baseline.jsonl'), text);
  const baselineMs = ms(t);

  const pipelineMs = buildMs + writeMs;
  console.log(`items: ${items.length} (${variants} variants x ${perVariant}); invalid: ${suite.invalid.length}`);
  console.log(`fact base load   ${loadMs.toFixed(0).padStart(6)} ms`);
  console.log(`generate         ${generateMs.toFixed(0).padStart(6)} ms`);
  console.log(`validate+jsonl   ${buildMs.toFixed(0).padStart(6)} ms`);
  console.log(`atomic write     ${writeMs.toFixed(0).padStart(6)} ms`);
  console.log(`end to end       ${totalMs.toFixed(0).padStart(6)} ms  = ${(items.length / (totalMs / 1000)).toFixed(0)} items/s  (budget ${BUDGET_S} s: ${totalMs / 1000 < BUDGET_S ? 'met' : 'MISSED'})`);
  console.log(`end to end CPU time (user+system, this process) ${cpuMs.toFixed(0)} ms; load average ${(await import('node:os')).loadavg()[0]?.toFixed(2)}`);
  console.log(`baseline (stringify + write, no validation) ${baselineMs.toFixed(0)} ms`);
  console.log(`ratio validate+serialise+write / baseline: ${(pipelineMs / baselineMs).toFixed(2)}x; end to end / baseline: ${(totalMs / baselineMs).toFixed(2)}x`);
  // A missed budget is printed, not failed: on a shared machine wall time depends on the neighbours.
} finally {
  rmSync(dir, { recursive: true, force: true });
}
