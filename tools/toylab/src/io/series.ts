// `toylab train` end to end: pretrain, finetune, and write the checkpoint series (ONNX checkpoints,
// series.json, the probe curve) and its evaluation suite. Each folder is replaced atomically.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CpiError, SCHEMA_VERSION, sha256, toJsonl, validate, writeDirAtomic, writeFileAtomic, writeJsonAtomic, type DatasetManifest } from '@cpi-bench/schemas';
import { writeCheckpoint } from '@cpi-bench/onnx-gpt2';
import { finetune, initialModel, prepareLab, pretrain, type LabContext, type ProgressSink } from '../experiment.ts';
import type { ProbePoint } from '../probe.ts';
import { TOY_DATASET } from '../eval-items.ts';
import { resolveLabOptions, type LabOptions } from '../options.ts';
import { lineChartSvg } from '../svg-chart.ts';
import { curveCsv } from '../curve.ts';
import { labVerdict, verdictLine, type LabVerdict } from '../lab-verdict.ts';

export interface TrainSeriesResult {
  seriesDir: string;
  evalDir: string;
  checkpoints: string[];
  pretrainSteps: number;
  pretrainClosedBook: number;
  pretrainClosedBookTemplate: number;
  curve: ProbePoint[];
  verdict: LabVerdict;
  heldOutVerdict: LabVerdict;
  seconds: { pretrain: number; finetune: number };
}

/**
 * Refuses to replace a folder that is neither new, empty, nor what this command wrote before (it holds
 * `marker`): replacing is a delete, and --out pointing at the wrong folder must not wipe it (as
 * `generate` refuses for its suites).
 */
async function assertReplaceable(dir: string, marker: string, what: string, flag: string): Promise<void> {
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0 && !existing.includes(marker)) {
    throw new CpiError('CPI_OUT_DIR_NOT_LAB_OUTPUT', `${dir} is not empty and holds no ${marker}, so it is not ${what}; refusing to replace it`, {
      file: dir,
      hint: `choose an empty or new folder for ${flag}, or a previous toylab output`,
    });
  }
}

/** Writes the evaluation items and their DatasetManifest into `evalDir` (replacing it). */
export async function writeEvalSuite(ctx: LabContext, evalDir: string): Promise<void> {
  const file = `${TOY_DATASET}.jsonl`;
  const text = toJsonl(ctx.items);
  const bySplit: Record<string, number> = {};
  for (const it of ctx.items) bySplit[it.split] = (bySplit[it.split] ?? 0) + 1;
  const manifest: DatasetManifest = validate('datasetManifest', {
    schemaVersion: SCHEMA_VERSION, generatorVersion: 'toylab-0.1.0', seed: ctx.options.seed,
    options: { source: 'toylab', note: 'evaluation items of the toy checkpoint series; known subjects split into ft (finetuned) and heldout pools, see item ids' },
    counts: { total: ctx.items.length, bySplit, byDataset: { [TOY_DATASET]: bySplit } },
    files: [{ path: file, sha256: sha256(text), bytes: Buffer.byteLength(text), dataset: TOY_DATASET, format: 'jsonl', items: ctx.items.length }],
  });
  await writeDirAtomic(evalDir, async (tmp) => {
    await writeFileAtomic(join(tmp, file), text);
    await writeJsonAtomic(join(tmp, 'manifest.json'), manifest);
  });
}

/**
 * The in-distribution accuracies per step as benchmark scores (aligned items and held-out unknown-subject
 * contexts; their mean is the lab verdict's benchmark criterion, as metrics' benchmarkMeanByStep takes it).
 */
export function benchmarksCsv(curve: readonly ProbePoint[]): string {
  const rows = ['step,benchmark,score'];
  for (const p of curve) rows.push(`${p.step},toy-aligned,${Number(p.aligned.toFixed(4))}`, `${p.step},toy-unknown-subject-context,${Number(p.unknownContext.toFixed(4))}`);
  return rows.join('\n') + '\n';
}

/** The probe curve as an SVG: context and parametric answers on counterfactuals, plus the skills that should hold. */
export function curveSvg(curve: readonly ProbePoint[], title: string): Promise<string> {
  const s = (key: keyof ProbePoint) => curve.map((p) => [p.step, p[key]] as const);
  return lineChartSvg([
    { name: 'context (ft subjects)', points: s('contextFt'), colorSlot: 0 },
    { name: 'context (held-out)', points: s('contextHeldOut'), colorSlot: 0, dashed: true },
    { name: 'parametric (ft subjects)', points: s('parametricFt'), colorSlot: 1 },
    { name: 'parametric (held-out)', points: s('parametricHeldOut'), colorSlot: 1, dashed: true },
    { name: 'aligned', points: s('aligned'), colorSlot: 2 },
    { name: 'closed-book (QA template)', points: s('closedBook'), colorSlot: 3 },
    { name: 'closed-book (pretraining)', points: s('closedBookPretraining'), colorSlot: 3, dashed: true },
    { name: 'unknown-subject ctx', points: s('unknownContext'), colorSlot: 4 },
  ], { title, xLabel: 'finetuning step', yLabel: 'greedy exact-match rate' });
}

/**
 * Trains one series and writes it. `seriesDir` gets `checkpoint-<step>/` folders, `series.json`,
 * `lab-run.json` (options, probe curve, verdict), `curve.csv`, `curve.svg` and `benchmarks.csv` (the probe's
 * in-distribution accuracies per step, in the `step,benchmark,score` form `npx run report --benchmarks`
 * reads); `evalDir` gets the items.
 */
export async function trainSeries(overrides: Partial<LabOptions>, dirs: { seriesDir: string; evalDir: string }, onProgress?: ProgressSink): Promise<TrainSeriesResult> {
  const options = resolveLabOptions(overrides);
  // Both folders are replaced: check them before hours of training, not after.
  await assertReplaceable(dirs.seriesDir, 'lab-run.json', 'a toylab series', '--out');
  await assertReplaceable(dirs.evalDir, 'manifest.json', 'an evaluation suite', '--eval-out');
  const ctx = prepareLab(options);
  await writeEvalSuite(ctx, dirs.evalDir);
  const model = initialModel(ctx);
  const t0 = performance.now();
  const pre = await pretrain(model, ctx, onProgress);
  const t1 = performance.now();
  const checkpoints: string[] = [];
  let curve: ProbePoint[] = [];
  let verdict: LabVerdict | undefined;
  let heldOutVerdict: LabVerdict | undefined;
  await writeDirAtomic(dirs.seriesDir, async (tmp) => {
    curve = await finetune(model, ctx, async (step, m) => {
      const name = `checkpoint-${step}`;
      await writeCheckpoint(join(tmp, name), { config: m.config, weights: m.toWeights(), tokenizer: ctx.tokenizer, step });
      checkpoints.push(join(dirs.seriesDir, name));
    }, onProgress);
    verdict = labVerdict(curve);
    heldOutVerdict = labVerdict(curve, 'contextHeldOut');
    const dataset = relative(dirs.seriesDir, dirs.evalDir).split('\\').join('/') || '.';
    await writeJsonAtomic(join(tmp, 'series.json'), {
      schemaVersion: SCHEMA_VERSION, dataset, template: 'plain',
      description: `toylab ${options.size} GPT-2 (seed ${options.seed}): pretrained on country capitals (sentences and closed-book QA) until closed-book >= ${options.closedBookGate} in both, then instruction-finetuned (non-CC share ${options.nonContextCriticalShare}, ${options.memorisableUnknowns ? 'memorisable' : 'fresh'} unknown facts, counterfactual share ${options.counterfactualShare}, rehearsal ${options.rehearsalShare}, ${options.steps} steps); the lab probe's verdict: ${verdictLine(verdict)}`,
    });
    await writeJsonAtomic(join(tmp, 'lab-run.json'), {
      schemaVersion: SCHEMA_VERSION, kind: 'toylab-run', options, tokenizerVocab: ctx.eotId + 1, nPositions: ctx.nPositions,
      pretraining: { steps: pre.steps, closedBook: pre.closedBook, closedBookTemplate: pre.closedBookTemplate, lossCurve: pre.lossCurve },
      verdict, heldOutVerdict, curve,
    });
    await writeFileAtomic(join(tmp, 'curve.csv'), curveCsv([{ extra: {}, curve }]));
    await writeFileAtomic(join(tmp, 'benchmarks.csv'), benchmarksCsv(curve));
    await writeFileAtomic(join(tmp, 'curve.svg'), await curveSvg(curve, `toylab seed ${options.seed}: greedy answers on counterfactual contexts`));
  });
  const t2 = performance.now();
  return {
    seriesDir: dirs.seriesDir, evalDir: dirs.evalDir, checkpoints, pretrainSteps: pre.steps, pretrainClosedBook: pre.closedBook, pretrainClosedBookTemplate: pre.closedBookTemplate,
    curve, verdict: verdict!, heldOutVerdict: heldOutVerdict!,
    seconds: { pretrain: (t1 - t0) / 1000, finetune: (t2 - t1) / 1000 },
  };
}

/** Reads a series' lab-run.json back (for reports). */
export async function readLabRun(seriesDir: string): Promise<{ options: LabOptions; curve: ProbePoint[]; verdict: LabVerdict }> {
  return JSON.parse(await readFile(join(seriesDir, 'lab-run.json'), 'utf8')) as { options: LabOptions; curve: ProbePoint[]; verdict: LabVerdict };
}
