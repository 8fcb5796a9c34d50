// One exit-code convention for every cpi-bench command, so scripts can tell the cases apart:
// 0 success; 1 the command ran and found problems (e.g. `generate audit --strict`); 2 the user's input
// or options are at fault (a CpiError, printed as one line with its code); 70 a bug in cpi-bench (EX_SOFTWARE).
import { isCpiError } from './errors.ts';

export const EXIT_USER_ERROR = 2;
export const EXIT_INTERNAL_ERROR = 70;

/**
 * The message and exit code for an error that reached a CLI's top level. CpiErrors get one line with their
 * code; anything else is a bug and keeps its stack.
 * @example const { message, exitCode } = describeCliError('run', error); console.error(message); process.exitCode = exitCode;
 */
export function describeCliError(bin: string, error: unknown): { message: string; exitCode: number } {
  if (isCpiError(error)) return { message: `${bin}: error ${error.code}: ${error.message}`, exitCode: EXIT_USER_ERROR };
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { message: `${bin}: internal error (please report it): ${detail}`, exitCode: EXIT_INTERNAL_ERROR };
}
