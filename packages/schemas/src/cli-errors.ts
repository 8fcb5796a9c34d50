// One exit-code convention for every cpi-bench command, so scripts can tell the cases apart:
// 0 success; 1 the command ran and found problems (e.g. `generate audit --strict`); 2 the user's input
// or options are at fault (a CpiError, printed as one line with its code); 70 a bug in cpi-bench (EX_SOFTWARE).
import { isCpiError } from './errors.ts';

export const EXIT_USER_ERROR = 2;
export const EXIT_INTERNAL_ERROR = 70;

/** The part of commander's CommanderError this module reads (duck-typed: schemas does not depend on commander). */
interface ParserError {
  code: `commander.${string}`;
  exitCode: number;
  message: string;
}

function isParserError(error: unknown): error is ParserError {
  const e = error as Partial<ParserError> | null;
  return error instanceof Error && typeof e?.code === 'string' && e.code.startsWith('commander.') && typeof e.exitCode === 'number';
}

/** The settings describeCliError needs on a commander program (the methods it calls, typed loosely). */
interface ParserProgram {
  exitOverride(): unknown;
  configureOutput(output: { outputError: (text: string, write: (text: string) => void) => void }): unknown;
}

/**
 * Makes a commander program throw its parse errors (unknown option, bad choice, missing argument) instead
 * of exiting with 1, and leaves printing them to describeCliError, so they exit 2 with CPI_USAGE like any
 * other bad input. Call it before adding commands: subcommands inherit both settings.
 * @example const program = throwParseErrors(new Command('run'));
 */
export function throwParseErrors<P extends ParserProgram>(program: P): P {
  program.exitOverride();
  program.configureOutput({ outputError: () => {} });
  return program;
}

/**
 * The message and exit code for an error that reached a CLI's top level. CpiErrors and option-parser errors
 * get one line with their code; anything else is a bug and keeps its stack. `--help` and `--version` end
 * here too, with exit code 0 and nothing more to print (message '').
 * @example const { message, exitCode } = describeCliError('run', error); if (message) console.error(message); process.exitCode = exitCode;
 */
export function describeCliError(bin: string, error: unknown): { message: string; exitCode: number } {
  if (isParserError(error)) {
    if (error.exitCode === 0) return { message: '', exitCode: 0 };
    // commander.help: no command was given, and the help (listing the commands) is already on stderr.
    const what = error.code === 'commander.help' ? 'a command is required' : error.message.replace(/^error: /, '');
    return { message: `${bin}: error CPI_USAGE: ${what}\n  hint: see \`${bin} --help\``, exitCode: EXIT_USER_ERROR };
  }
  if (isCpiError(error)) return { message: `${bin}: error ${error.code}: ${error.message}`, exitCode: EXIT_USER_ERROR };
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { message: `${bin}: internal error (please report it): ${detail}`, exitCode: EXIT_INTERNAL_ERROR };
}
