// The arms of the mitigation proof (issue 13): the baseline finetuning file and each data-level mitigation of
// the product (`@cpi-bench/mitigations`) applied to it, with the options the proof uses. Pure data.

export interface MitigationArm {
  id: string;
  description: string;
  /** `npx mitigate` transforms applied to the baseline file (none: the baseline itself). */
  transforms: readonly string[];
  /** Their parameters, as `mitigateFile` takes them; `losses` and `entities` are filled in by the driver. */
  params: Readonly<Record<string, unknown>>;
  /** The transform reads per-example losses from `npx run losses` on the pretrained checkpoint. */
  needsLosses?: boolean;
  /** The transform searches the evaluation suite's subjects (written to a file by the driver). */
  needsEvalSubjects?: boolean;
  /**
   * Rerun the transform with a new seed every this many finetuning steps (a new augmented file per block,
   * as a user would run `npx mitigate counterfactual --seed E` once per epoch); absent: one file throughout.
   */
  reseedEvery?: number;
}

export const MITIGATION_ARMS: readonly MitigationArm[] = [
  { id: 'baseline', description: 'the baseline file (47% non-context-critical: known subjects with a true context)', transforms: [], params: {} },
  {
    id: 'context-critical', transforms: ['context-critical'], params: { drop: 0.25 }, needsLosses: true,
    description: "the paper's filter: drop the 25% of context examples whose answer has the lowest loss without the context (runner losses of the pretrained checkpoint, plain prompt)",
  },
  {
    id: 'context-critical-50', transforms: ['context-critical'], params: { drop: 0.5 }, needsLosses: true,
    description: "the paper's filter at twice its rate: drop the 50% of context examples with the lowest loss without the context (about the known-subject share of the file)",
  },
  {
    id: 'counterfactual', transforms: ['counterfactual'], params: { share: 0.1 },
    description: 'counterfactual augmentation of the data itself: an answer entity in both context and answer replaced by another of its type, up to 10% of the output',
  },
  {
    id: 'counterfactual-reseeded', transforms: ['counterfactual'], params: { share: 0.1 }, reseedEvery: 120,
    description: 'the 10% augmentation made anew with another seed every 120 steps (about 10 epochs of the file): other swaps, not more of them',
  },
  {
    id: 'counterfactual-30', transforms: ['counterfactual'], params: { share: 0.3 },
    description: 'the same augmentation at up to 30% of the output',
  },
  {
    id: 'fact-overlap', transforms: ['fact-overlap'], params: {}, needsEvalSubjects: true,
    description: "fact-overlap filter: drop examples that mention a subject of the evaluation suite (--entities: the suite's subjects)",
  },
];

export const mitigationArm = (id: string): MitigationArm | undefined => MITIGATION_ARMS.find((a) => a.id === id);
