import { describe, expect, it } from 'vitest';
import { buildEvalItems, buildWorld, createRng, labVerdict, realCapitalFacts, sweepMarkdown, sweepRun, type ProbePoint } from '../src/index.ts';

const point = (step: number, contextFt: number, extra: Partial<ProbePoint> = {}): ProbePoint => ({
  step, contextFt, contextHeldOut: contextFt, parametricFt: 1 - contextFt, parametricHeldOut: 1 - contextFt,
  aligned: 1, closedBook: 1, closedBookPretraining: 1, unknownContext: 1, loss: 1, heldOutLoss: 1, ...extra,
});

describe('the toy world and its evaluation items', () => {
  it('uses real country/capital pairs and keeps pools disjoint', () => {
    const facts = realCapitalFacts();
    expect(facts.length).toBeGreaterThan(150);
    expect(facts).toContainEqual({ subject: 'France', object: 'Paris' });
    const world = buildWorld(createRng(0), { heldOutKnown: 50, unknownTrain: 150, unknownHeldOut: 50 });
    const subjects = [...world.knownTrain, ...world.knownHeldOut, ...world.unknownTrain, ...world.unknownHeldOut].map((f) => f.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(world.knownHeldOut).toHaveLength(50);
    // Unknown subjects are invented: none is a real country.
    const real = new Set(facts.map((f) => f.subject));
    expect(world.unknownTrain.some((f) => real.has(f.subject))).toBe(false);
  });

  it('builds conflict items whose context contradicts the memorised fact, with unique ids', () => {
    const world = buildWorld(createRng(1), { heldOutKnown: 10, unknownTrain: 5, unknownHeldOut: 5 });
    const items = buildEvalItems(world, createRng(2));
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    for (const it of items.filter((i) => i.split === 'conflict')) expect(it.contextAnswer).not.toBe(it.parametricAnswer);
    for (const it of items.filter((i) => i.split === 'closed_book')) expect(it.context).toBeUndefined();
    expect(items.filter((i) => i.split === 'unknown_subject')).toHaveLength(5);
  });
});

describe('the lab verdict (metrics\' decideInversion, in-distribution accuracy as the benchmark)', () => {
  // 25 checkpoints: a rise to 0.9 by step 300, then a steady fall to about 0.5 by step 2400.
  const riseFall = (extra: (step: number) => Partial<ProbePoint> = () => ({})): ProbePoint[] =>
    Array.from({ length: 25 }, (_, i) => { const step = i * 100; const v = step <= 300 ? 0.3 * i : 0.9 - (0.4 * (step - 300)) / 2100 + (i % 2 ? 0.01 : -0.01); return point(step, v, extra(step)); });

  it('detects a rise and a significant fall while in-distribution accuracy holds', () => {
    const v = labVerdict(riseFall());
    expect(v).toMatchObject({ outcome: 'inversion', detected: true, name: 'inversion detected' });
    expect(v.pValue!).toBeLessThan(0.01);
    expect(v.drop).toBeGreaterThan(0.3);
    expect(v.parametricRise).toBeGreaterThan(0.3);
  });

  it('does not call it an inversion when in-distribution accuracy falls with it', () => {
    const v = labVerdict(riseFall((step) => ({ aligned: step > 300 ? 1 - (0.3 * (step - 300)) / 2100 : 1 })));
    expect(v.outcome).toBe('none');
    expect(v.reasons.join(' ')).toMatch(/benchmarks fell too/);
  });

  it('does not call a flat or rising curve an inversion', () => {
    expect(labVerdict(Array.from({ length: 25 }, (_, i) => point(i * 100, 0.5 + (i % 2 ? 0.02 : -0.02)))).detected).toBe(false);
    expect(labVerdict(Array.from({ length: 25 }, (_, i) => point(i * 100, i / 25))).detected).toBe(false);
  });

  it('tables every setting x seed and summarises seeds as mean ± sd, marking settings not run', () => {
    const runs = [sweepRun('ncc-50', 0, 600, riseFall(), 1), sweepRun('ncc-50', 1, 600, riseFall((s) => ({ contextFt: 0.5 + (s % 200 ? 0.01 : 0) })), 1)];
    const md = sweepMarkdown(runs);
    expect(md).toMatch(/\| ncc-50 \| 0 \| 2400 \| 0\.00 \|.*\| inversion detected \|/);
    expect(md).toMatch(/\| ncc-50 \| 1 \| 2400 \|.*\| no inversion \|/);
    expect(md).toContain('| ncc-50 | 2 | 1/2 |');
    expect(md).toContain('| cf-10 | – | not run |');
  });
});
