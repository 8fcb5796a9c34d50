// One call does a whole `npx mitigate`: read the input as a stream, run the transforms, write the output in
// the input's own format and container, and write the MitigationReport beside it.
import { SCHEMA_VERSION, sha256File, validate, writeFileAtomicWith, writeJsonAtomic, type MitigationReport } from '@cpi-bench/schemas';
import type { DataFormat } from '../formats.ts';
import { createPipeline, planMitigations } from '../pipeline.ts';
import type { MitigationContext } from '../types.ts';
import { prepareContext } from './prepare.ts';
import { mitigationProvenance } from './provenance.ts';
import { containerOf, readExamples } from './read.ts';
import { exampleSerializer } from './write.ts';

export interface MitigateConfig {
  /** Transform names or ids, applied in order. */
  transforms: readonly string[];
  input: string;
  output: string;
  /** @default `${output}.report.json` */
  report?: string | undefined;
  /** @default 0 */
  seed?: number | undefined;
  /** Write no data: count, and write the report only if `report` names a file. */
  dryRun?: boolean | undefined;
  /** @default 'auto' */
  format?: DataFormat | 'auto' | undefined;
  /** Parameters by name (drop, losses, share, evalSuite, …); each transform takes the ones it has. */
  params?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Applies the transforms to `input` and writes `output` and the report, both atomically (on a dry run, only
 * a report named by `report`). Throws a CpiError for bad input or options, before anything is written.
 * @example await mitigateFile({ transforms: ['context-only', 'fact-overlap'], input: 'alpaca_data.json', output: 'filtered.json' })
 */
export async function mitigateFile(config: MitigateConfig): Promise<MitigationReport> {
  const plan = planMitigations(config.transforms, config.params ?? {});
  const seed = config.seed ?? 0;
  const container = await containerOf(config.input);
  let format: DataFormat | undefined = config.format === 'auto' ? undefined : config.format;
  // A counting pass fixes the input size (shares of the output) and the format before any step is built.
  let inputCount = 0;
  for await (const _ of readExamples(config.input, { format: format ?? 'auto', onFormat: (f) => (format = f) })) inputCount++;
  const context: MitigationContext = await prepareContext(plan, { seed, format: format ?? 'alpaca', inputCount });
  const pipeline = createPipeline(plan, context);
  const serializer = exampleSerializer(container);
  // Streams every output example to `sink` (the file, or nowhere on a dry run), chunk by chunk.
  const stream = async (sink: (chunk: string) => Promise<unknown>): Promise<void> => {
    for await (const example of readExamples(config.input, { format: context.format })) {
      for (const out of pipeline.process(example)) {
        const chunk = serializer.add(out.record);
        if (chunk) await sink(chunk);
      }
    }
    await sink(serializer.finish());
  };
  if (config.dryRun) await stream(async () => {});
  else await writeFileAtomicWith(config.output, (handle) => stream((chunk) => handle.write(chunk)));
  const written = serializer.result();
  const steps = pipeline.stats();
  const single = steps.length === 1 ? steps[0] : undefined;
  const report: MitigationReport = {
    schemaVersion: SCHEMA_VERSION,
    transform: steps.map((s) => s.transform).join('/'),
    params: single ? single.params : Object.fromEntries(steps.map((s) => [s.transform, s.params])),
    seed,
    input: { path: config.input, sha256: await sha256File(config.input), count: inputCount },
    output: { path: config.output, sha256: written.sha256, count: written.count },
    stats: single ? single.stats : Object.fromEntries(steps.flatMap((s) => Object.entries(s.stats).map(([k, v]) => [`${s.transform}.${k}`, v]))),
    format: context.format,
    ...(config.dryRun ? { dryRun: true } : {}),
    steps,
    provenance: mitigationProvenance(),
  };
  validate('mitigationReport', report);
  // A dry run writes no data; it writes the report only where one was asked for by name.
  if (!config.dryRun || config.report) await writeJsonAtomic(config.report ?? `${config.output}.report.json`, report);
  return report;
}
