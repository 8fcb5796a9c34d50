// The paper's §4 train-test overlap control: drop finetuning examples that mention an evaluated entity, to
// check whether the drop needs the facts to be seen in finetuning (the paper: it does not).
import { DEFAULT_SUITE_DIR } from '@cpi-bench/generator';
import { CpiError } from '@cpi-bench/schemas';
import { textOf } from '../parts.ts';
import type { MitigationTransform } from '../types.ts';

export interface FactOverlapFilterParams {
  /** The evaluation suite whose subjects and answers are looked for. @default datasets/default of this repository */
  evalSuite: string;
  /** A file of extra entities, one a line (used instead of the suite when given). */
  entities: string | null;
  /** Entities with fewer letters and digits are ignored. @default 3 */
  minLength: number;
  /** A file of stop words, one a line, replacing the built-in list. */
  stopWords: string | null;
}

export const factOverlapFilter: MitigationTransform<FactOverlapFilterParams> = {
  id: 'fact_overlap_filter',
  name: 'fact-overlap',
  description: 'Drop examples that mention a subject or answer of the evaluation suite (whole words, proper names, minimum length, stop words).',
  reference: 'Goyal et al. 2025, §4 (about 5% of Alpaca mentions countries or capitals)',
  defaults: { evalSuite: DEFAULT_SUITE_DIR, entities: null, minLength: 3, stopWords: null },
  options: {
    evalSuite: '--eval-suite DIR: suite whose subjects and answers are searched for',
    entities: '--entities FILE: entities to search for, one a line, instead of the suite',
    minLength: '--min-length N: ignore entities with fewer letters and digits',
    stopWords: '--stop-words FILE: stop words, one a line, instead of the built-in list',
  },
  needs: () => ['evalEntities'],
  create(_params, { format, evalEntities }) {
    if (!evalEntities) throw new CpiError('CPI_MITIGATION_PARAMS', 'fact_overlap_filter needs the evaluation entities');
    let kept = 0;
    let dropped = 0;
    const hits = new Map<string, number>();
    return {
      process(example) {
        const hit = evalEntities.find(textOf(example.record, format));
        if (hit === undefined) {
          kept++;
          return [example];
        }
        dropped++;
        hits.set(hit, (hits.get(hit) ?? 0) + 1);
        return [];
      },
      stats: () => ({
        kept,
        dropped,
        entities: evalEntities.size,
        // The entities that dropped the most, so a surprising drop can be traced to its cause.
        topEntities: [...hits].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10).map(([e, n]) => `${e} (${n})`).join(', '),
      }),
    };
  },
};
