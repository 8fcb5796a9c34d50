// Score mode with a long context and many aliases (issue 10): the prompt is encoded once per item, and each
// candidate only through the prompt's tail, instead of re-encoding prompt + candidate for every candidate.
// Measured side by side on the committed PyTorch-exported Llama fixture (SentencePiece-style BPE, the slow
// case: no pre-tokenizer splits the 100k characters). The old way is timed on a few aliases and scaled.
// Run: npx tsx bench/runner-aliases.bench.ts [--aliases N] [--old-aliases N]
import { fileURLToPath } from 'node:url';
import { loadCheckpointSeries, loadOnnxModel } from '@cpi-bench/runner';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ALIASES = arg('aliases', 1000);
const OLD_ALIASES = arg('old-aliases', 5);
const CONTEXT_CHARS = 100_000;
const BUDGET_S = 10;

const fixture = fileURLToPath(new URL('../packages/runner/test/fixtures/hf/models/llama-gqa', import.meta.url));
const [cp] = await loadCheckpointSeries(fixture);
const model = await loadOnnxModel(cp!.files, { device: 'cpu', threads: 1 });

const sentence = 'After the floods the government moved the capital of Albania to Durres, a port on the coast. ';
const context = sentence.repeat(Math.ceil(CONTEXT_CHARS / sentence.length)).slice(0, CONTEXT_CHARS);
const prompt = `Context: ${context}\nQuestion: What is the capital city of Albania?\nAnswer:`;
const aliases = Array.from({ length: ALIASES }, (_, i) => ` Durres ${i}`);

// Old: lm-evaluation-harness's boundary computed from prompt + alias re-encoded for every alias.
let t = performance.now();
const ctx = model.encode(prompt);
for (const a of aliases.slice(0, OLD_ALIASES)) model.encode(prompt + a).slice(ctx.length);
const oldPerAlias = (performance.now() - t) / OLD_ALIASES / 1000;
const oldTotal = oldPerAlias * ALIASES;

// New: the runner's own score path (tokenisation, then every request fails as CPI_PROMPT_TOO_LONG against
// this tiny model's 256-token window, so the time is the tokenisation the change is about).
t = performance.now();
const results = await model.scoreContinuations(
  aliases.map((continuation) => ({ prompt, continuation })),
  { batchSize: 8 },
);
const newTotal = (performance.now() - t) / 1000;
await model.dispose();

const codes = new Set(results.map((r) => (r.ok ? 'ok' : r.error.code)));
const ratio = oldTotal / newTotal;
console.log(`context ${CONTEXT_CHARS} chars (${ctx.length} tokens), ${ALIASES} aliases, fixture llama-gqa`);
console.log(`old (re-encode per alias, ${OLD_ALIASES} timed): ${oldPerAlias.toFixed(3)} s/alias -> ${oldTotal.toFixed(1)} s for ${ALIASES}`);
console.log(`new (prompt encoded once): ${newTotal.toFixed(2)} s for ${ALIASES}  [results: ${[...codes].join(', ')}]`);
console.log(`ratio old/new: ${ratio.toFixed(0)}x; budget ${BUDGET_S} s: ${newTotal <= BUDGET_S ? 'PASS' : 'FAIL'}`);
process.exitCode = newTotal <= BUDGET_S ? 0 : 1;
