import { describe, expect, it } from 'vitest';
import { buildEvalItems, buildWorld, createRng, curveVerdict, realCapitalFacts, sweepMarkdown, sweepRun, type ProbePoint } from '../src/index.ts';

const point = (step: number, contextFt: number, extra: Partial<ProbePoint> = {}): ProbePoint => ({
  step, contextFt, contextHeldOut: contextFt, parametricFt: 1 - contextFt, parametricHeldOut: 1 - contextFt,
  aligned: 1, closedBook: 1, closedBookPretraining: 1, unknownContext: 1, loss: 1, ...extra,
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

describe('curve verdicts', () => {
  it('calls a rise then a fall beyond noise an inversion, and reports the parametric gain', () => {
    const v = curveVerdict([point(0, 0), point(50, 0.8), point(100, 0.85), point(150, 0.6), point(200, 0.55)]);
    expect(v).toMatchObject({ peakStep: 100, rose: true, fell: true, inverted: true });
    expect(v.drop).toBeCloseTo(0.3);
    expect(v.parametricRise).toBeCloseTo(0.3);
  });

  it('does not call a dip within noise, or a flat curve, an inversion', () => {
    expect(curveVerdict([point(0, 0), point(50, 0.9), point(100, 0.85)]).inverted).toBe(false);
    expect(curveVerdict([point(0, 0.1), point(50, 0.12), point(100, 0.05)]).rose).toBe(false);
  });

  it('summarises seeds as mean ± sd per setting and marks settings not run', () => {
    const runs = [sweepRun('ncc-50', 0, 600, [point(0, 0), point(50, 0.9), point(100, 0.5)], 1), sweepRun('ncc-50', 1, 600, [point(0, 0), point(50, 0.7), point(100, 0.5)], 1)];
    const md = sweepMarkdown(runs);
    expect(md).toContain('| ncc-50 | 0,1 | 2/2 | 0.80 ± 0.14 | 0.50 ± 0.00 |');
    expect(md).toContain('| cf-10 | 0 | not run |');
  });
});
