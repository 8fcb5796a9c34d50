// The metrics package's report functions, as the lead's contract names them. Loaded lazily and checked at
// run time, so predictions are stored (and the run is useful) even where the report side is not built yet.
import { CpiError, type InversionReport } from '@cpi-bench/schemas';

export interface ReportApi {
  reportRunDirs(runDirs: string[], options?: { outDir?: string; benchmarksFile?: string }): Promise<{ report: InversionReport; files: string[] }>;
  formatTrajectoryTable(report: InversionReport): string;
}

export async function loadReportApi(): Promise<ReportApi> {
  const metrics = (await import('@cpi-bench/metrics')) as Partial<ReportApi>;
  if (typeof metrics.reportRunDirs !== 'function' || typeof metrics.formatTrajectoryTable !== 'function') {
    throw new CpiError('CPI_REPORT_UNAVAILABLE', '@cpi-bench/metrics does not export reportRunDirs and formatTrajectoryTable yet', {
      hint: 'the predictions are stored; run `npx run report RUN_DIR` once the metrics package provides them',
    });
  }
  return metrics as ReportApi;
}

/** A one-line verdict per run of a report, for the JSON summary. */
export function verdicts(report: InversionReport): { label: string; detected: boolean; reasons: string[] }[] {
  return report.runs.map((r) => ({ label: r.label, detected: r.verdict.detected, reasons: r.verdict.reasons }));
}
