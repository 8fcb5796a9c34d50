// The curves as one wide CSV row per run and checkpoint, for spreadsheets and other plotting tools.
import type { InversionReport, Rate } from '@cpi-bench/schemas';

const RATE_COLUMNS = ['contextReliance', 'parametricReliance', 'alignedAccuracy', 'closedBookAccuracy', 'unknownSubjectAccuracy'] as const;

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  // Twelve significant digits: no 0.41000000000000003 from float noise, far below any interval's width.
  const s = typeof v === 'number' ? String(Number(v.toPrecision(12))) : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `run,scorer,step,contextReliance,contextReliance_lo,contextReliance_hi,contextReliance_n,…,meanMC,benchmark`. */
export function curvesCsv(report: InversionReport): string {
  const header = ['run', 'scorer', 'step', ...RATE_COLUMNS.flatMap((c) => [c, `${c}_lo`, `${c}_hi`, `${c}_n`]), 'meanMC', 'benchmark'];
  const rows = [header.join(',')];
  for (const run of report.runs) {
    for (const p of run.points) {
      const rates = RATE_COLUMNS.flatMap((c) => {
        const r = p[c] as Rate | undefined;
        return r ? [r.mean, r.lo, r.hi, r.n] : [null, null, null, null];
      });
      rows.push([run.label, run.scorer, p.step, ...rates, p.meanMC, p.benchmark].map(cell).join(','));
    }
  }
  return rows.join('\n') + '\n';
}
