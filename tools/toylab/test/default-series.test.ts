// The committed default series (datasets/toy-series and its 10%-counterfactual twin, built by `npx toylab
// train`): well-formed and small; the model knows its facts before finetuning, as the runner measures it
// (the knowledge gate); and transformers.js answers the way the lab's own probe said it would.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoModelForCausalLM, AutoTokenizer, env, type Tensor as HfTensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '@cpi-bench/schemas';
import { reportRunDirs } from '@cpi-bench/metrics';
import { resolveRunOptions, runBenchmark } from '@cpi-bench/runner';
import { plainPrompt, type ProbePoint } from '../src/index.ts';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const SERIES = join(ROOT, 'datasets/toy-series');
const TWIN = join(ROOT, 'datasets/toy-series-cf10');
const present = existsSync(join(SERIES, 'series.json'));
const MB = 1024 * 1024;
const LOAD_TIMEOUT_MS = 60_000;
const GATE_TIMEOUT_MS = 120_000;
/** The issue's knowledge gate: closed-book accuracy in the evaluation template at step 0, measured by the runner. */
const KNOWLEDGE_GATE = 0.8;

const dirSize = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((s, e) => s + (e.isDirectory() ? dirSize(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
const checkpointsOf = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('checkpoint-')).sort((a, b) => Number(a.slice(11)) - Number(b.slice(11)));

describe.skipIf(!present)('default toy series (datasets/toy-series, datasets/toy-series-cf10)', () => {
  const checkpoints = present ? checkpointsOf(SERIES) : [];

  it('has 9-13 checkpoints per series, each under 2 MB, both series under 16 MB, and series.json naming a valid eval set', async () => {
    expect(existsSync(join(TWIN, 'series.json'))).toBe(true);
    for (const dir of [SERIES, TWIN]) {
      const cps = checkpointsOf(dir);
      expect(cps.length).toBeGreaterThanOrEqual(9);
      expect(cps.length).toBeLessThanOrEqual(13);
      for (const c of cps) expect(dirSize(join(dir, c))).toBeLessThan(2 * MB);
      const series = JSON.parse(readFileSync(join(dir, 'series.json'), 'utf8')) as { dataset: string; template: string };
      expect(series.template).toBe('plain');
      const { records, issues } = await readJsonl(join(resolve(dir, series.dataset), 'toy-capitals.jsonl'), { schema: 'conflictItem' });
      expect(issues).toEqual([]);
      expect(records.length).toBeGreaterThan(100);
    }
    expect(dirSize(SERIES) + dirSize(TWIN)).toBeLessThan(16 * MB);
  });

  it(`knows its facts at step 0: the runner's closed-book accuracy in the evaluation template is >= ${KNOWLEDGE_GATE}, and the known-facts view keeps most conflict items`, async () => {
    const out = await mkdtemp(join(tmpdir(), 'toylab-gate-'));
    try {
      const series = JSON.parse(readFileSync(join(SERIES, 'series.json'), 'utf8')) as { dataset: string; template: string };
      const summary = await runBenchmark(resolveRunOptions({
        checkpoints: join(SERIES, 'checkpoint-0'), dataset: resolve(SERIES, series.dataset), out, template: series.template, splits: ['closed_book', 'conflict'], mode: 'score', device: 'cpu',
      }));
      const { report } = await reportRunDirs([summary.runDir], { outDir: join(out, 'report') });
      const run = report.runs[0]!;
      const first = run.points[0] as { step: number; closedBookAccuracy?: { mean: number; n: number } };
      expect(first.step).toBe(0);
      expect(first.closedBookAccuracy!.mean).toBeGreaterThanOrEqual(KNOWLEDGE_GATE);
      const conflictItems = summary.items / 2; // closed_book and conflict items come in pairs, one per known fact
      const known = (run.trajectory as { knownFacts?: { n: number } }).knownFacts;
      expect(known!.n).toBeGreaterThanOrEqual(0.8 * conflictItems);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, GATE_TIMEOUT_MS);

  it('loads in transformers.js offline; the last checkpoint answers aligned items as the probe recorded', async () => {
    const run = JSON.parse(readFileSync(join(SERIES, 'lab-run.json'), 'utf8')) as { curve: ProbePoint[]; pretraining: { closedBook: number; closedBookTemplate: number } };
    expect(Math.min(run.pretraining.closedBook, run.pretraining.closedBookTemplate)).toBeGreaterThanOrEqual(0.9); // the lab's own gate held
    const last = run.curve[run.curve.length - 1]!;
    const series = JSON.parse(readFileSync(join(SERIES, 'series.json'), 'utf8')) as { dataset: string };
    const { records } = await readJsonl(join(resolve(SERIES, series.dataset), 'toy-capitals.jsonl'), { schema: 'conflictItem' });
    const aligned = records.map((r) => r.value).filter((v) => v.split === 'aligned').slice(0, 8);
    env.allowRemoteModels = false;
    env.localModelPath = SERIES;
    const name = checkpoints[checkpoints.length - 1]!;
    const tokenizer = await AutoTokenizer.from_pretrained(name);
    const model = await AutoModelForCausalLM.from_pretrained(name, { dtype: 'fp32', device: 'cpu', subfolder: '', model_file_name: 'model' });
    let correct = 0;
    try {
      for (const item of aligned) {
        const inputs = tokenizer(plainPrompt(item.question!, item.context)) as { input_ids: HfTensor; attention_mask: HfTensor };
        const out = (await model.generate({ ...inputs, max_new_tokens: 8, do_sample: false })) as HfTensor;
        const ids = Array.from(out.data as BigInt64Array, Number).slice((inputs.input_ids.dims[1] as number));
        const text = tokenizer.decode(ids, { skip_special_tokens: true });
        if (text.trim() === item.contextAnswer) correct++;
      }
    } finally {
      await model.dispose();
    }
    // The probe measured this rate over all aligned items; 8 items agree with it up to sampling.
    expect(Math.abs(correct / aligned.length - last.aligned)).toBeLessThanOrEqual(0.4);
    expect(correct).toBeGreaterThan(0);
  }, LOAD_TIMEOUT_MS);
});
