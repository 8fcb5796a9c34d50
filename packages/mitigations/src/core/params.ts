// Parameters arrive untyped (CLI strings, JSON); each transform checks the ones it uses with these.
import { CpiError } from '@cpi-bench/schemas';

/** A number in [min, max] (strings like "0.25" accepted), else CPI_MITIGATION_PARAMS. */
export function numberParam(transform: string, name: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) {
    throw new CpiError('CPI_MITIGATION_PARAMS', `${transform}: ${name} must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return n;
}

/** One of `choices`, else CPI_MITIGATION_PARAMS. */
export function choiceParam<T extends string>(transform: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new CpiError('CPI_MITIGATION_PARAMS', `${transform}: ${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}
