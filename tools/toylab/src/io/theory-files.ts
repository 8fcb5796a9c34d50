// Writes the theory mode's curves (theory.json, theory.csv, theory.svg) atomically into a folder.
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '@cpi-bench/schemas';
import { theoryCsv, theoryJson, theorySvg, type TheoryScenario } from '../theory-report.ts';

/** Writes the three files and returns their paths. */
export async function writeTheoryFiles(scenarios: readonly TheoryScenario[], outDir: string): Promise<string[]> {
  const files = [join(outDir, 'theory.json'), join(outDir, 'theory.csv'), join(outDir, 'theory.svg')];
  await writeJsonAtomic(files[0] as string, theoryJson(scenarios));
  await writeFileAtomic(files[1] as string, theoryCsv(scenarios));
  await writeFileAtomic(files[2] as string, await theorySvg(scenarios));
  return files;
}
