// The bodies of `npx mitigate`: build one config from the flags, call the library once, print.
import { DEFAULT_SUITE_DIR } from '@cpi-bench/generator';
import { CpiError } from '@cpi-bench/schemas';
import { parseFormatOption } from '../formats.ts';
import { mitigateFile } from '../io/mitigate-file.ts';
import { qkOnlyRecipe } from '../recipes.ts';
import { getMitigation, mitigationTransforms } from '../registry.ts';

interface Out {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface MitigateFlags {
  list?: boolean;
  in?: string;
  out?: string;
  report?: string;
  seed: string;
  format: string;
  dryRun?: boolean;
  json?: boolean;
  drop?: string;
  losses?: string;
  evalSuite?: string;
  entities?: string;
  minLength?: string;
  stopWords?: string;
  source?: string;
  share?: string;
  items?: string;
  ner?: string;
}

/** `npx mitigate --list`: each transform, its options and defaults. */
export function listTransforms(): string {
  return mitigationTransforms
    .map((t) => {
      const shown = (v: unknown) => (v === DEFAULT_SUITE_DIR ? 'datasets/default' : JSON.stringify(v));
      const options = Object.entries(t.options as Record<string, string>).map(([key, doc]) => `    ${doc} (default: ${shown((t.defaults as Record<string, unknown>)[key])})`);
      return [`${t.name}  (${t.id})`, `    ${t.description}`, `    from: ${t.reference}`, ...options].join('\n');
    })
    .join('\n\n');
}

export async function mitigateCommand(transforms: string | undefined, flags: MitigateFlags, out: Out): Promise<void> {
  if (flags.list) {
    out.stdout.write(listTransforms() + '\n');
    return;
  }
  if (!transforms) throw new CpiError('CPI_MITIGATION_USAGE', 'name the transforms to apply', { hint: 'npx mitigate context-only --in FILE --out FILE; npx mitigate --list' });
  const names = transforms.split(',').map((t) => t.trim()).filter((t) => t !== '');
  for (const name of names) getMitigation(name);
  if (!flags.in || !flags.out) throw new CpiError('CPI_MITIGATION_USAGE', 'both --in FILE and --out FILE are needed');
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed)) throw new CpiError('CPI_MITIGATION_USAGE', `--seed must be an integer, got ${flags.seed}`);
  const params = Object.fromEntries(
    Object.entries({ drop: flags.drop, losses: flags.losses, evalSuite: flags.evalSuite, entities: flags.entities, minLength: flags.minLength, stopWords: flags.stopWords, source: flags.source, share: flags.share, items: flags.items, ner: flags.ner }).filter(([, v]) => v !== undefined),
  );
  const report = await mitigateFile({
    transforms: names,
    input: flags.in,
    output: flags.out,
    report: flags.report,
    seed,
    dryRun: flags.dryRun === true,
    format: parseFormatOption(flags.format),
    params,
  });
  if (flags.json) {
    out.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const where = flags.dryRun ? '(dry run: no data written)' : `-> ${flags.out}`;
  out.stdout.write(`${report.transform} (${report.format}): ${report.input.count} in, ${report.output.count} out ${where}\n`);
  for (const step of report.steps ?? []) out.stdout.write(`  ${step.transform}: ${Object.entries(step.stats).filter(([, v]) => v !== '').map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  if (!flags.dryRun || flags.report) out.stdout.write(`  report: ${flags.report ?? `${flags.out}.report.json`}\n`);
}

export function recipeCommand(name: string, arch: string, out: Out): void {
  if (name !== 'qk-only') throw new CpiError('CPI_MITIGATION_USAGE', `unknown recipe "${name}"; valid: qk-only`);
  const { config, note } = qkOnlyRecipe(arch);
  out.stdout.write(JSON.stringify(config, null, 2) + '\n');
  if (note) out.stderr.write(`note: ${note}\n`);
}
