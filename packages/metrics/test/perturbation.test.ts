import { describe, expect, it } from 'vitest';
import type { ConflictItem, PredictionRecord } from '@cpi-bench/schemas';
import { buildInversionReport, computeCheckpointMetrics, formatTrajectoryTable, perturbationBreakdown, reportHtml, summaryMarkdown, type PerturbationRow } from '../src/index.ts';
import { scoreRun } from '../src/scoring.ts';
import { generationRecord, makeItems } from './fixtures/synthetic.ts';

/** Conflict items with a strategy and level, a conflict_mp and a conflict_absurd variant among them. */
function itemsWithStrategies(): ConflictItem[] {
  const base = makeItems(8, ['country_capital']);
  return base.map((item, i) => {
    if (item.split !== 'conflict') return item;
    const k = Math.floor(i / 2);
    if (k < 4) return { ...item, substitution: { strategy: 'numeric-perturbation', params: { level: k < 2 ? 'mild' : 'moderate' } } };
    if (k === 4) return { ...item, substitution: { strategy: 'same-type-swap' } };
    if (k === 5) return { ...item, substitution: { strategy: 'same-type-swap' }, variant: 'conflict_mp', flags: ['mentions_parametric'] };
    return { ...item, substitution: { strategy: 'numeric-perturbation', params: { level: 'absurd' } }, variant: 'conflict_absurd' };
  });
}

const items = itemsWithStrategies();
const conflicts = items.filter((i) => i.split === 'conflict');
const closed = items.filter((i) => i.split === 'closed_book');
/** At step 0 every item follows the context; at step 10 only the absurd and mp variants still do. */
function records(): PredictionRecord[] {
  const out: PredictionRecord[] = [];
  for (const step of [0, 5, 10]) {
    for (const c of conflicts) out.push(generationRecord(c, step, step === 0 || c.variant !== undefined ? c.contextAnswer! : c.parametricAnswer!));
    for (const c of closed) out.push(generationRecord(c, step, c.parametricAnswer!));
  }
  return out;
}

describe('labelled variants and the strategy x level breakdown', () => {
  it('keeps conflict_mp and conflict_absurd out of the headline conflict rate and reports each apart', () => {
    const [, , last] = computeCheckpointMetrics(items, records(), { bootstrapResamples: 0 });
    const group = (split: string, view = 'all') => last!.groups.find((g) => g.scorer === 'containment' && g.split === split && g.view === view && g.dataset === '*' && g.category === '*');
    expect(group('conflict')?.n).toBe(5);
    expect(group('conflict')?.rates['contextReliance']?.mean).toBe(0);
    expect(group('conflict', 'known_facts')?.n).toBe(5);
    expect(group('conflict_mp')?.n).toBe(1);
    expect(group('conflict_absurd')?.n).toBe(2);
    expect(group('conflict_absurd')?.rates['contextReliance']?.mean).toBe(1);
  });

  it('breaks context reliance down by strategy and level at the first, peak and final checkpoints', () => {
    const rows = perturbationBreakdown(scoreRun(items, records()), 'containment', { first: 0, peak: 0, final: 10 }, null);
    const row = (strategy: string, level: string, variant: string | null = null) => rows.find((r) => r.strategy === strategy && r.level === level && r.variant === variant);
    expect(rows.map((r) => `${r.strategy}/${r.level}/${r.variant ?? ''}`)).toEqual([
      'numeric-perturbation/mild/', 'numeric-perturbation/moderate/', 'same-type-swap/-/', 'numeric-perturbation/absurd/conflict_absurd', 'same-type-swap/-/conflict_mp',
    ]);
    expect(row('numeric-perturbation', 'mild')).toMatchObject({ n: 2, first: 1, peak: 1, final: 0, drop: 1, headline: true });
    expect(row('numeric-perturbation', 'absurd', 'conflict_absurd')).toMatchObject({ n: 2, final: 1, headline: false });
  });

  it('puts the breakdown and the known-facts view in the JSON report, the Markdown and the HTML (known facts in the console too); the paired test leaves variants out', () => {
    const report = buildInversionReport([{ label: 'run', items, records: records() }], { bootstrapResamples: 0 });
    const run = report.runs[0]!;
    const rows = run.trajectory['byStrategyLevel'] as PerturbationRow[];
    expect(rows.filter((r) => !r.headline).map((r) => r.variant)).toEqual(['conflict_absurd', 'conflict_mp']);
    expect(run.mcnemar?.ctxToPar).toBe(5);
    const md = summaryMarkdown(report);
    expect(md).toContain('| numeric-perturbation | mild | – | yes | 2 | 100.0% |');
    expect(md).toContain('| numeric-perturbation | absurd | conflict_absurd | no | 2 |');
    expect(md).toMatch(/Known facts only \(n = 5 /);
    const html = reportHtml(report, '<svg></svg>');
    expect(html).toContain('<td class="l">conflict_mp</td><td class="l">no</td>');
    expect(html).toMatch(/Known facts only \(n = 5 /);
    expect(formatTrajectoryTable(report)).toMatch(/Known facts only \(n = 5 /);
  });
});
