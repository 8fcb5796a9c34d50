// The committed default series (datasets/toy-series, built by `npx toylab train`): well-formed, small, and
// loadable by transformers.js, which answers the way the lab's own probe said the checkpoint would.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoModelForCausalLM, AutoTokenizer, env, type Tensor as HfTensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '@cpi-bench/schemas';
import { plainPrompt, type ProbePoint } from '../src/index.ts';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const SERIES = join(ROOT, 'datasets/toy-series');
const present = existsSync(join(SERIES, 'series.json'));
const MB = 1024 * 1024;
const LOAD_TIMEOUT_MS = 60_000;

const dirSize = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((s, e) => s + (e.isDirectory() ? dirSize(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);

describe.skipIf(!present)('default toy series (datasets/toy-series)', () => {
  const checkpoints = present ? readdirSync(SERIES).filter((n) => n.startsWith('checkpoint-')).sort((a, b) => Number(a.slice(11)) - Number(b.slice(11))) : [];

  it('has 15-30 checkpoints, each under 2 MB, under 25 MB in all, and a series.json naming a valid eval set', async () => {
    expect(checkpoints.length).toBeGreaterThanOrEqual(15);
    expect(checkpoints.length).toBeLessThanOrEqual(30);
    for (const c of checkpoints) expect(dirSize(join(SERIES, c))).toBeLessThan(2 * MB);
    expect(dirSize(SERIES)).toBeLessThan(25 * MB);
    const series = JSON.parse(readFileSync(join(SERIES, 'series.json'), 'utf8')) as { dataset: string; template: string };
    expect(series.template).toBe('plain');
    const evalDir = resolve(SERIES, series.dataset);
    const { records, issues } = await readJsonl(join(evalDir, 'toy-capitals.jsonl'), { schema: 'conflictItem' });
    expect(issues).toEqual([]);
    expect(records.length).toBeGreaterThan(100);
  });

  it('loads in transformers.js offline; the last checkpoint answers aligned items as the probe recorded', async () => {
    const run = JSON.parse(readFileSync(join(SERIES, 'lab-run.json'), 'utf8')) as { curve: ProbePoint[]; pretraining: { closedBook: number } };
    expect(run.pretraining.closedBook).toBeGreaterThanOrEqual(0.9); // the closed-book gate held
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
