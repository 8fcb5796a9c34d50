// `toylab mitigations`: the proof that the product's data mitigations work, on the lab. Per seed: pretrain
// once, save the pretrained model as an ONNX checkpoint and the baseline finetuning file (Alpaca JSONL), let
// the product transform that file (`mitigateFile`, with losses from the runner's `computeLosses` for the
// paper's filter), then finetune the same pretrained model on the baseline and on each transformed file.
// Each finished run is one JSON file under `<out>/runs/`, so a rerun resumes and parallel processes (one a
// seed) never write the same file; the report is rebuilt from all run files after each run.
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mitigateFile, readExamples } from '@cpi-bench/mitigations';
import { computeLosses } from '@cpi-bench/runner';
import { CpiError, SCHEMA_VERSION, sha256, toJsonl, writeFileAtomic, writeJsonAtomic } from '@cpi-bench/schemas';
import { writeCheckpoint } from '@cpi-bench/onnx-gpt2';
import { finetune, initialModel, prepareLab, pretrain, type LabContext, type ProgressSink } from '../experiment.ts';
import { subjectOfQuestion } from '../facts.ts';
import { baselineFinetuneData, rowsFromExamples, type AlpacaExample } from '../finetune-data.ts';
import { MITIGATION_ARMS, mitigationArm, type MitigationArm } from '../mitigation-arms.ts';
import { mitigationReportFiles, type MitigationRun } from '../mitigation-report.ts';
import { resolveLabOptions, sameLabOptions, type LabOptions } from '../options.ts';
import { writeEvalSuite } from './series.ts';

export interface MitigationLabArgs {
  seeds: number[];
  /** Arm ids (default: all). */
  arms?: string[];
  /** Lab options shared by every run (steps, probe interval, size). */
  base: Partial<LabOptions>;
  /** The report folder (committed): run files and the report. */
  outDir: string;
  /** Scratch folder: pretrained checkpoints, data files, losses (not committed). */
  workDir: string;
}

const runFile = (outDir: string, arm: string, seed: number): string => join(outDir, 'runs', `${arm}-seed-${seed}.json`);

/** Every run file in `<outDir>/runs/`. */
export async function readMitigationRuns(outDir: string): Promise<MitigationRun[]> {
  const dir = join(outDir, 'runs');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const runs: MitigationRun[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      const doc = JSON.parse(await readFile(file, 'utf8')) as MitigationRun;
      if (doc?.kind !== 'toylab-mitigation-run') throw new Error('not a toylab mitigation run');
      // What the report and the resume read; anything else missing would surface as a TypeError later.
      if (typeof doc.arm !== 'string' || !Number.isInteger(doc.seed) || typeof doc.options !== 'object' || doc.options === null || !Array.isArray(doc.curve) || doc.curve.length === 0 || typeof doc.data !== 'object' || doc.data === null) {
        throw new Error('a run file needs arm, seed, options, data and a non-empty curve');
      }
      runs.push(doc);
    } catch (error) {
      throw new CpiError('CPI_TOYLAB_BAD_DATA', `cannot read it: ${(error as Error).message}`, { file, hint: 'move the file away and rerun that arm' });
    }
  }
  return runs;
}

/** Rewrites the report files of `outDir` from its run files. */
export async function writeMitigationReport(outDir: string): Promise<MitigationRun[]> {
  const runs = await readMitigationRuns(outDir);
  // A report of nothing would only hide a wrong --out.
  if (runs.length === 0) throw new CpiError('CPI_TOYLAB_NO_RUNS', `no run files in ${join(outDir, 'runs')}`, { file: outDir, hint: 'run `npx toylab mitigations` first, or point --out at its report folder' });
  for (const [name, text] of Object.entries(await mitigationReportFiles(runs))) await writeFileAtomic(join(outDir, name), text);
  return runs;
}

/**
 * The finetuning files of `arm` for one seed: the baseline as written, or the product's transform of it;
 * with `reseedEvery`, one transform per block of steps, each with its own seed (the first file's report is
 * the one recorded).
 */
async function armData(arm: MitigationArm, ctx: LabContext, files: { seedDir: string; baseline: string; checkpoint: string; evalDir: string }, log: (line: string) => void): Promise<{ files: string[]; transform: MitigationRun['transform'] }> {
  if (arm.transforms.length === 0) return { files: [files.baseline], transform: null };
  const params: Record<string, unknown> = { ...arm.params };
  if (arm.needsLosses) {
    const out = join(files.seedDir, 'losses.jsonl');
    const s = await computeLosses({ checkpoint: files.checkpoint, data: files.baseline, out, template: 'plain', device: 'cpu' });
    log(`losses: ${s.computed} computed, ${s.cached} reused (${s.seconds.toFixed(1)} s)`);
    params['losses'] = out;
  }
  if (arm.needsEvalSubjects) {
    // The toy world's answers are all capitals, so the suite's answers would match every example; the
    // overlap the paper controls for is the evaluated facts' subjects (README: the default drops all).
    const subjects = [...new Set(ctx.items.filter((it) => it.split !== 'unknown_subject').map((it) => subjectOfQuestion(it.question ?? '')).filter((x) => x !== undefined))].sort();
    const entities = join(files.seedDir, 'eval-subjects.txt');
    await writeFileAtomic(entities, subjects.join('\n') + '\n');
    params['entities'] = entities;
    params['evalSuite'] = files.evalDir;
  }
  const blocks = arm.reseedEvery ? Math.ceil(ctx.options.steps / arm.reseedEvery) : 1;
  const out: string[] = [];
  let first: Awaited<ReturnType<typeof mitigateFile>> | undefined;
  for (let k = 0; k < blocks; k++) {
    const file = join(files.seedDir, blocks === 1 ? `${arm.id}.jsonl` : `${arm.id}-${k}.jsonl`);
    // Block k of a reseeded arm uses seed S*1000+k: other swaps each block, the same ones on a rerun.
    const report = await mitigateFile({ transforms: arm.transforms, input: files.baseline, output: file, seed: blocks === 1 ? ctx.options.seed : ctx.options.seed * 1000 + k, params });
    first ??= report;
    out.push(file);
  }
  // Paths of this machine stay out of the committed run file.
  const params2 = Object.fromEntries(Object.entries(first!.params).filter(([k]) => !['losses', 'entities', 'evalSuite'].includes(k)));
  return { files: out, transform: { transform: first!.transform, params: blocks === 1 ? params2 : { ...params2, reseedEvery: arm.reseedEvery, files: blocks }, input: first!.input.count, output: first!.output.count, stats: first!.stats } };
}

/** The Alpaca examples of a finetuning file. */
async function readAlpaca(file: string): Promise<AlpacaExample[]> {
  const examples: AlpacaExample[] = [];
  for await (const e of readExamples(file, { format: 'alpaca' })) examples.push(e.record as unknown as AlpacaExample);
  return examples;
}

export async function runMitigationLab(args: MitigationLabArgs, onProgress?: ProgressSink, log: (line: string) => void = () => {}): Promise<MitigationRun[]> {
  const arms = (args.arms ?? MITIGATION_ARMS.map((a) => a.id)).map((id) => {
    const arm = mitigationArm(id);
    if (!arm) throw new CpiError('CPI_TOYLAB_BAD_OPTION', `unknown mitigation arm "${id}"; valid: ${MITIGATION_ARMS.map((a) => a.id).join(', ')}`, { pointer: '/arms' });
    return arm;
  });
  const stored = await readMitigationRuns(args.outDir);
  for (const seed of args.seeds) {
    const options = resolveLabOptions({ ...args.base, seed });
    // Every arm of a seed is compared with that seed's baseline, so all of them must share its options.
    const other = stored.find((x) => x.seed === seed && !sameLabOptions(x.options, options));
    if (other) {
      throw new CpiError('CPI_TOYLAB_SWEEP_OPTIONS_CHANGED', `${other.arm} seed ${seed} is already in ${args.outDir} under other options; the arms of a seed must share them`, { file: runFile(args.outDir, other.arm, seed), hint: 'rerun with the same flags, or write to another --out folder' });
    }
    const todo = arms.filter((arm) => {
      const r = stored.find((x) => x.arm === arm.id && x.seed === seed);
      if (r) log(`${arm.id} seed ${seed}: already in ${args.outDir}, kept`);
      return !r;
    });
    if (todo.length === 0) continue;
    const ctx = prepareLab(options);
    const model = initialModel(ctx);
    const pre = await pretrain(model, ctx, onProgress);
    // The scratch files (pretrained checkpoint, losses) belong to these options: other options, other folder.
    const seedDir = join(args.workDir, `seed-${seed}-${sha256(JSON.stringify(options, Object.keys(options).sort())).slice(0, 8)}`);
    await mkdir(seedDir, { recursive: true });
    const files = { seedDir, baseline: join(seedDir, 'baseline.jsonl'), checkpoint: join(seedDir, 'pretrained'), evalDir: join(seedDir, 'eval') };
    // The runner scores the pretrained model as the user's base checkpoint: written as any lab checkpoint.
    await writeCheckpoint(files.checkpoint, { config: model.config, weights: model.toWeights(), tokenizer: ctx.tokenizer, step: 0 });
    await writeEvalSuite(ctx, files.evalDir);
    await writeFileAtomic(files.baseline, toJsonl(baselineFinetuneData(ctx)));
    for (const arm of todo) {
      const data = await armData(arm, ctx, files, log);
      const parsed = await Promise.all(data.files.map(readAlpaca));
      const blocks = parsed.map((examples) => rowsFromExamples(ctx, examples));
      const examples = parsed[0]!;
      const tooLong = blocks.reduce((n, b) => n + b.tooLong, 0);
      if (tooLong > 0) log(`${arm.id} seed ${seed}: ${tooLong} examples longer than the model's ${ctx.nPositions} positions left out`);
      const t0 = performance.now();
      const every = arm.reseedEvery ?? Number.POSITIVE_INFINITY;
      const curve = await finetune(model, ctx, async () => {}, onProgress, blocks.length === 1 ? blocks[0]!.rows : (step) => blocks[Math.min(blocks.length - 1, Math.floor((step - 1) / every))]!.rows);
      const known = new Set(ctx.world.knownTrain.map((f) => f.subject));
      const run: MitigationRun = {
        schemaVersion: SCHEMA_VERSION, kind: 'toylab-mitigation-run', arm: arm.id, seed, options, pretrainSteps: pre.steps,
        data: { examples: examples.length, knownSubject: examples.filter((e) => known.has(subjectOfQuestion(e.instruction) ?? '')).length, contextFree: examples.filter((e) => e.input.trim() === '').length, ...(tooLong > 0 ? { tooLong } : {}) },
        transform: data.transform, curve, seconds: (performance.now() - t0) / 1000,
      };
      await writeJsonAtomic(runFile(args.outDir, arm.id, seed), run);
      stored.push(run);
      await writeMitigationReport(args.outDir);
      log(`${arm.id} seed ${seed}: ${examples.length} examples, ${run.seconds.toFixed(0)} s`);
    }
  }
  return writeMitigationReport(args.outDir);
}
