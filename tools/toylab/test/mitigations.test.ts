// The mitigation proof's machinery (issue 13): the lab's finetuning data as an Alpaca file, the product's
// transforms applied to it (the paper's filter with losses from the runner), finetuning from what they
// return, resumable run files, and the paired report against the baseline of the same seed.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LossRecord } from '@cpi-bench/mitigations';
import { describe, expect, it } from 'vitest';
import {
  armEffects, baselineFinetuneData, finetune, initialModel, labVerdict, plainPrompt, prepareLab, resolveLabOptions, rowsFromExamples, runMitigationLab, subjectOfQuestion,
  type MitigationRun, type ProbePoint,
} from '../src/index.ts';

const TINY = { size: 'tiny', vocabSize: 300, closedBookGate: 0, gateEvery: 3, pretrainMaxSteps: 3, pretrainBatch: 8, steps: 2, batch: 8, checkpointEvery: 2, probeLimit: 5 } as const;
const LAB_TIMEOUT_MS = 120_000;
const subjectOf = (question: string): string => subjectOfQuestion(question) ?? '';

const readJsonl = async <T>(file: string): Promise<T[]> => (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as T);

describe('the lab finetuning data as a file', () => {
  const ctx = prepareLab(resolveLabOptions(TINY));

  it('holds every finetuning subject once: known subjects with their true capital, unknown ones with their fixed answer', () => {
    const data = baselineFinetuneData(ctx);
    expect(data).toHaveLength(ctx.world.knownTrain.length + ctx.world.unknownTrain.length);
    const answers = new Map([...ctx.world.knownTrain, ...ctx.world.unknownTrain].map((f) => [f.subject, f.object]));
    for (const e of data) {
      const subject = subjectOf(e.instruction);
      expect(e.output).toBe(answers.get(subject));
      expect(e.input).toBe(`The capital of ${subject} is ${e.output}.`);
    }
    expect(new Set(data.map((e) => e.instruction)).size).toBe(data.length);
    expect(baselineFinetuneData(ctx)).toEqual(data);
  });

  it('becomes rows in the plain template, loss on the answer and end-of-text, no context block for an empty input, too-long rows left out', () => {
    const { rows, tooLong } = rowsFromExamples(ctx, [
      { instruction: 'What is the capital of Korovia?', input: 'The capital of Korovia is Lima.', output: 'Lima' },
      { instruction: 'What is the capital of Korovia?', input: '', output: 'Lima' },
      // Longer than the model's positions (a long substitute name): left out and counted, not fatal.
      { instruction: 'What is the capital of Korovia?', input: `The capital of Korovia is ${'Lima '.repeat(ctx.nPositions)}.`, output: 'Lima' },
    ]);
    expect(tooLong).toBe(1);
    expect(rows).toHaveLength(2);
    const [withContext, closedBook] = rows;
    const prompt = ctx.encode(plainPrompt('What is the capital of Korovia?', 'The capital of Korovia is Lima.'));
    expect(withContext).toEqual({ ids: [...prompt, ...ctx.encode(' Lima'), ctx.eotId], lossFrom: prompt.length });
    expect(closedBook!.ids.slice(0, closedBook!.lossFrom)).toEqual(ctx.encode('Question: What is the capital of Korovia?\nAnswer:'));
  });

  it('drives finetuning: another file gives another model, the same file the same one, an empty file is refused', async () => {
    const base = initialModel(ctx);
    const data = rowsFromExamples(ctx, baselineFinetuneData(ctx)).rows;
    const curve = async (rows: Parameters<typeof finetune>[4]) => { const c: ProbePoint[] = []; await finetune(base, ctx, async (_s, _m, p) => void c.push(p), undefined, rows); return c; };
    const a = await curve(data);
    expect(await curve(data)).toEqual(a);
    expect((await curve(data.slice(0, 1))).map((p) => p.loss)).not.toEqual(a.map((p) => p.loss));
    await expect(finetune(base, ctx, async () => {}, undefined, [])).rejects.toMatchObject({ code: 'CPI_TOYLAB_EMPTY_DATA' });
    // A file that changes during finetuning (a reseeded augmentation): asked for at every step, in order.
    const asked: number[] = [];
    const c = await curve((step) => (asked.push(step), data));
    expect(c).toEqual(a);
    // Step 1's file is also read up front, so an empty one is refused before the step-0 probe.
    expect(asked).toEqual([1, ...Array.from({ length: ctx.options.steps }, (_, i) => i + 1)]);
  });
});

describe('toylab mitigations', () => {
  it('transforms the baseline file with the product, finetunes on each, resumes, and pairs each arm with its baseline', async () => {
    const out = await mkdtemp(join(tmpdir(), 'toylab-mitigations-'));
    const work = join(out, 'work');
    try {
      const runs = await runMitigationLab({ seeds: [4], base: TINY, outDir: out, workDir: work });
      expect(runs.map((r) => r.arm).sort()).toEqual(['baseline', 'context-critical', 'context-critical-50', 'counterfactual', 'counterfactual-30', 'counterfactual-reseeded', 'fact-overlap']);
      expect((await readdir(join(out, 'runs'))).sort()).toEqual(['baseline-seed-4.json', 'context-critical-50-seed-4.json', 'context-critical-seed-4.json', 'counterfactual-30-seed-4.json', 'counterfactual-reseeded-seed-4.json', 'counterfactual-seed-4.json', 'fact-overlap-seed-4.json']);
      for (const f of ['mitigations.json', 'mitigations.csv', 'mitigations.svg', 'mean-context.svg', 'mean-closed-book.svg']) expect((await readFile(join(out, f), 'utf8')).length).toBeGreaterThan(100);
      // One scratch folder per seed and options.
      const scratch = await readdir(work);
      expect(scratch).toHaveLength(1);
      expect(scratch[0]).toMatch(/^seed-4-[0-9a-f]{8}$/);
      const seedDir = join(work, scratch[0]!);
      const baseline = await readJsonl<{ instruction: string; input: string; output: string }>(join(seedDir, 'baseline.jsonl'));
      const run = (arm: string): MitigationRun => runs.find((r) => r.arm === arm)!;
      expect(run('baseline').data.examples).toBe(baseline.length);

      // The paper's filter: a quarter of the context examples, those whose answer the pretrained model
      // finds least surprising without the context, by the losses the runner wrote in the plain prompt.
      const losses = await readJsonl<LossRecord>(join(seedDir, 'losses.jsonl'));
      expect(losses).toHaveLength(baseline.length);
      expect(losses.every((l) => l.ok && l.template === 'plain')).toBe(true);
      const critical = await readJsonl<{ instruction: string }>(join(seedDir, 'context-critical.jsonl'));
      const dropped = Math.floor(0.25 * baseline.length); // the filter drops whole examples, rounding down
      expect(critical).toHaveLength(baseline.length - dropped);
      const byLoss = losses.map((l) => (l.ok ? { index: l.index, loss: l.withoutContext.loss } : { index: l.index, loss: Infinity })).sort((a, b) => a.loss - b.loss);
      const kept = new Set(critical.map((e) => e.instruction));
      for (const { index } of byLoss.slice(0, dropped)) expect(kept.has(baseline[index]!.instruction)).toBe(false);
      for (const { index } of byLoss.slice(dropped + 1)) expect(kept.has(baseline[index]!.instruction)).toBe(true);
      // At twice the rate, from the same losses file (computed once, then reused).
      expect(run('context-critical-50').data.examples).toBe(baseline.length - Math.floor(0.5 * baseline.length));

      // Augmentation of the data itself: the originals stay, at most 10% of the output is added.
      const cf = run('counterfactual').transform!;
      expect(cf.input).toBe(baseline.length);
      expect(cf.output - cf.input).toBeGreaterThan(0);
      expect((cf.output - cf.input) / cf.output).toBeLessThanOrEqual(0.1);
      const cf30 = run('counterfactual-30').transform!;
      expect(cf30.output - cf30.input).toBeGreaterThan(2 * (cf.output - cf.input));
      expect((cf30.output - cf30.input) / cf30.output).toBeLessThanOrEqual(0.3);
      // The fact-overlap filter leaves no example about an evaluated subject.
      const ctx = prepareLab(resolveLabOptions({ ...TINY, seed: 4 }));
      const evaluated = new Set(ctx.items.filter((it) => it.split !== 'unknown_subject').map((it) => subjectOf(it.question!)));
      const overlap = await readJsonl<{ instruction: string }>(join(seedDir, 'fact-overlap.jsonl'));
      expect(overlap.length).toBeGreaterThan(0);
      expect(overlap.some((e) => evaluated.has(subjectOf(e.instruction)))).toBe(false);
      expect(run('fact-overlap').data.knownSubject).toBe(0);

      // Resumed: nothing recomputed.
      const log: string[] = [];
      const again = await runMitigationLab({ seeds: [4], base: TINY, outDir: out, workDir: work }, undefined, (l) => log.push(l));
      expect(log).toHaveLength(7);
      expect(again.map((r) => r.seconds).sort()).toEqual(runs.map((r) => r.seconds).sort());
      // A missing arm is rerun from the same pretrained model and the same losses (reused, not recomputed).
      await rm(join(out, 'runs', 'context-critical-seed-4.json'));
      const resumed: string[] = [];
      const third = await runMitigationLab({ seeds: [4], base: TINY, outDir: out, workDir: work }, undefined, (l) => resumed.push(l));
      expect(resumed.filter((l) => l.startsWith(`losses: 0 computed, ${baseline.length} reused`))).toHaveLength(1);
      expect(third.find((r) => r.arm === 'context-critical')!.curve).toEqual(run('context-critical').curve);
      // Any arm of a seed under other options is refused: it could not be paired with that seed's baseline.
      await expect(runMitigationLab({ seeds: [4], arms: ['counterfactual'], base: { ...TINY, steps: 4 }, outDir: out, workDir: work })).rejects.toMatchObject({ code: 'CPI_TOYLAB_SWEEP_OPTIONS_CHANGED' });
      await expect(runMitigationLab({ seeds: [4], arms: ['nope'], base: TINY, outDir: out, workDir: work })).rejects.toMatchObject({ code: 'CPI_TOYLAB_BAD_OPTION' });
      // A damaged run file is a coded error, not a TypeError.
      await writeFile(join(out, 'runs', 'baseline-seed-4.json'), JSON.stringify({ kind: 'toylab-mitigation-run', arm: 'baseline', seed: 4 }));
      await expect(runMitigationLab({ seeds: [4], base: TINY, outDir: out, workDir: work })).rejects.toMatchObject({ code: 'CPI_TOYLAB_BAD_DATA' });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, LAB_TIMEOUT_MS);

  it('a reseeded arm makes one transformed file per block of steps, each with its own seed, and trains on them in turn', async () => {
    const out = await mkdtemp(join(tmpdir(), 'toylab-reseeded-'));
    const work = join(out, 'work');
    try {
      // 241 steps in blocks of 120: three files (steps 1-120, 121-240, 241).
      const [run] = await runMitigationLab({ seeds: [6], arms: ['counterfactual-reseeded'], base: { ...TINY, steps: 241, checkpointEvery: 120 }, outDir: out, workDir: work });
      expect(run!.transform!.params).toMatchObject({ share: 0.1, reseedEvery: 120, files: 3 });
      const seedDir = join(work, (await readdir(work))[0]!);
      const files = await Promise.all([0, 1, 2].map((k) => readFile(join(seedDir, `counterfactual-reseeded-${k}.jsonl`), 'utf8')));
      expect(new Set(files).size).toBe(3);
      await expect(readFile(join(seedDir, 'counterfactual-reseeded-3.jsonl'))).rejects.toMatchObject({ code: 'ENOENT' });
      expect(run!.curve.map((p) => p.step)).toEqual([0, 120, 240, 241]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, LAB_TIMEOUT_MS);

  it('reports each mitigation as its change against the baseline of the same seed', () => {
    const point = (step: number, contextFt: number, aligned: number, closedBook: number): ProbePoint => ({ step, contextFt, contextHeldOut: contextFt, parametricFt: 1 - contextFt, parametricHeldOut: 1 - contextFt, aligned, closedBook, closedBookPretraining: closedBook, unknownContext: aligned, loss: 0, heldOutLoss: 0 });
    const curve = (values: number[], aligned: number, closedBook: number) => values.map((v, i) => point(i * 100, v, aligned, closedBook));
    const runOf = (arm: string, seed: number, c: ProbePoint[]): MitigationRun => ({ schemaVersion: 1, kind: 'toylab-mitigation-run', arm, seed, options: resolveLabOptions(TINY), pretrainSteps: 3, data: { examples: 1, knownSubject: 0, contextFree: 0 }, transform: null, curve: c, seconds: 1 });
    const falling = [0.1, 0.5, 0.6, 0.55, 0.45, 0.4, 0.35, 0.3];
    const flat = [0.1, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9];
    const runs = [runOf('baseline', 0, curve(falling, 0.9, 0.95)), runOf('counterfactual', 0, curve(flat, 0.92, 0.9)), runOf('baseline', 1, curve(flat, 0.5, 0.5))];
    const [base, cf] = armEffects(runs);
    expect(base!.seeds).toEqual([0, 1]);
    expect(cf!.seeds).toEqual([0]);
    expect(cf!.paired).toEqual([0]);
    expect(cf!.dClosedBookMean[0]).toBeCloseTo(-0.05, 10);
    expect(cf!.dDrop[0]).toBeCloseTo(labVerdict(runs[1]!.curve).drop - labVerdict(runs[0]!.curve).drop, 10);
    expect(cf!.dDrop[0]).toBeLessThan(-0.1);
    expect(cf!.dPeak[0]).toBeCloseTo(0.3, 10);
    expect(cf!.dAligned[0]).toBeCloseTo(0.02, 10);
    expect(cf!.dClosedBook[0]).toBeCloseTo(-0.05, 10);
    // A baseline finetuned under other options is no comparison: the arm is reported unpaired.
    const longer = { ...runOf('counterfactual', 1, curve(flat, 0.92, 0.9)), options: resolveLabOptions({ ...TINY, steps: 4 }) };
    const [, cf2] = armEffects([...runs, longer]);
    expect(cf2!.seeds).toEqual([0, 1]);
    expect(cf2!.paired).toEqual([0]);
    expect(cf2!.dDrop).toHaveLength(1);
  });
});
