import type { InversionReport } from '@cpi-bench/schemas';

/** A one-line verdict per run of a report, for the JSON summaries of `benchmark` and `report`. */
export function verdicts(report: InversionReport): { label: string; detected: boolean; reasons: string[] }[] {
  return report.runs.map((r) => ({ label: r.label, detected: r.verdict.detected, reasons: r.verdict.reasons }));
}
