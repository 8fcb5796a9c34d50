// `npx run compare A B`: per checkpoint, run B's context reliance minus run A's on the same items, with the
// exact McNemar test on the paired items (metrics' compareRuns).
import { compareRuns, formatPValue, loadRunDir } from '@cpi-bench/metrics';

const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);

export async function compare(runA: string, runB: string, flags: { scorer?: string; json?: boolean }, io: { stdout: NodeJS.WriteStream }): Promise<void> {
  const [a, b] = [await loadRunDir(runA), await loadRunDir(runB)];
  const result = compareRuns(a, b, flags.scorer !== undefined ? { scorer: flags.scorer } : {});
  if (flags.json) {
    io.stdout.write(JSON.stringify({ a: a.label, b: b.label, ...result }) + '\n');
    return;
  }
  const lines = [`A: ${a.label} (${runA})`, `B: ${b.label} (${runB})`, `context reliance on the conflict items both ran, scorer ${result.scorer}; exact McNemar per step`, ''];
  lines.push(['step', 'n', 'A', 'B', 'B - A', 'ctx only A', 'ctx only B', 'p'].map((h) => h.padStart(10)).join(''));
  for (const r of result.rows) {
    const diff = r.difference === null ? '–' : `${r.difference >= 0 ? '+' : ''}${(r.difference * 100).toFixed(1)}`;
    lines.push([String(r.step), String(r.n), pct(r.relianceA), pct(r.relianceB), diff, String(r.onlyA), String(r.onlyB), formatPValue(r.pValue)].map((c) => c.padStart(10)).join(''));
  }
  if (result.unpairedSteps.length > 0) lines.push('', `steps only one run has (left out): ${result.unpairedSteps.join(', ')}`);
  lines.push('', 'Each p-value tests its own step; many steps read together need a correction (e.g. Holm).');
  io.stdout.write(lines.join('\n') + '\n');
}
