import { describe, expect, it } from 'vitest';
import { stepFromName } from '../src/index.ts';

describe('stepFromName (the one rule runner and metrics share)', () => {
  it.each([
    // the runner's cases
    ['checkpoint-500', 500],
    ['step_1000', 1000],
    ['checkpoint_step50', 50],
    ['global_step200', 200],
    ['ckpt-3', 3],
    ['run7', 7],
    ['final', undefined],
    // the metrics cases
    ['step100.json', 100],
    ['run/ckpt_750/results.json', 750],
    ['checkpoint-500/', 500],
    ['results-42.json', 42],
    // the two used to disagree here (runner: 2, metrics: 100)
    ['epoch-2-step-100', 100],
    ['epoch_3', 3],
    ['iteration-40', 40],
    ['runs/step-3/checkpoint-500', 500],
    ['step99999999999999999999', undefined],
  ])('%s -> %s', (name, step) => expect(stepFromName(name)).toBe(step));
});
