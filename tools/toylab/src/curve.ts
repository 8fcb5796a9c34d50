// The probe curve's columns and its CSV: one definition for a series' curve.csv and the sweep's sweep.csv.
import type { ProbePoint } from './probe.ts';

export const CURVE_KEYS = ['step', 'loss', 'heldOutLoss', 'contextFt', 'parametricFt', 'contextHeldOut', 'parametricHeldOut', 'aligned', 'closedBook', 'closedBookPretraining', 'unknownContext'] as const;

/** CSV of probe curves, each row prefixed by the `extra` columns of its curve. */
export function curveCsv(curves: readonly { extra: Record<string, string | number>; curve: readonly ProbePoint[] }[]): string {
  const extraKeys = Object.keys(curves[0]?.extra ?? {});
  const rows = [[...extraKeys, ...CURVE_KEYS].join(',')];
  for (const { extra, curve } of curves) {
    for (const p of curve) rows.push([...extraKeys.map((k) => String(extra[k])), ...CURVE_KEYS.map((k) => (Number.isFinite(p[k]) ? Number(p[k].toFixed(4)) : ''))].join(','));
  }
  return rows.join('\n') + '\n';
}
