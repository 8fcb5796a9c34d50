// The JSON summary names the same verdict, tested peak and test as the report.
import { describe, expect, it } from 'vitest';
import { validate, type InversionReport } from '@cpi-bench/schemas';
import { verdicts } from '../src/commands/verdicts.ts';

const rate = (mean: number) => ({ mean, lo: null, hi: null, n: 100 });
const REPORT: InversionReport = validate('inversionReport', {
  schemaVersion: 1,
  runs: [{
    label: 'baseline', scorer: 'containment',
    points: [0.3, 0.9, 0.7, 0.72, 0.6, 0.5, 0.45].map((v, i) => ({ step: i * 10, contextReliance: rate(v), parametricReliance: rate(1 - v) })),
    trajectory: { peakStep: 10, peakValue: 0.9, smoothedPeakStep: 20, smoothedPeakValue: 0.77, finalStep: 60, finalValue: 0.45, drop: 0.45, relativeDrop: 0.5 },
    dropTest: { procedure: 'p', statistic: 'slope', observed: 0.05, peakStep: 20, finalStep: 60, pValue: 0.01, permuted: 4, orderings: 24, exact: true, seed: 0 },
    verdict: { detected: false, outcome: 'drop-without-benchmarks', name: 'drop detected; benchmark criterion not applied', reasons: ['r'] },
  }],
});

describe('verdicts (the JSON summary of benchmark and report)', () => {
  it('carries the outcome, its name, the tested (smoothed) peak and the drop test p', () => {
    expect(verdicts(REPORT)).toEqual([{
      label: 'baseline', detected: false, outcome: 'drop-without-benchmarks', name: 'drop detected; benchmark criterion not applied',
      testedPeakStep: 20, dropTestP: 0.01, reasons: ['r'],
    }]);
  });
});
