// The training step a checkpoint folder or a results file is for, read from its name. One definition for
// the runner (checkpoint discovery) and metrics (benchmark results files), so the two never disagree.

/** Words that announce a step count; `epoch` is not one (an epoch number is not a step). */
const TAGGED_NUMBER = /(?:step|checkpoint|ckpt|iter(?:ation)?)[-_]?(\d+)/gi;

/**
 * The step in a name or path. Rules, in order:
 * 1. a number right after `step`, `checkpoint`, `ckpt`, `iter` or `iteration` (optionally joined by `-` or `_`);
 *    where there are several, the last one (the innermost folder of a path, `step` after `epoch-2-`);
 * 2. otherwise the last number in the name;
 * 3. otherwise (or when the number is not a safe integer) undefined.
 * @example stepFromName('checkpoint-500') // 500
 * @example stepFromName('epoch-2-step-100') // 100
 * @example stepFromName('global_step200') // 200
 * @example stepFromName('run7') // 7
 */
export function stepFromName(name: string): number | undefined {
  const tagged = [...name.matchAll(TAGGED_NUMBER)];
  const digits = tagged.length > 0 ? tagged[tagged.length - 1]![1] : name.match(/\d+/g)?.at(-1);
  if (digits === undefined) return undefined;
  const step = Number(digits);
  return Number.isSafeInteger(step) ? step : undefined;
}
