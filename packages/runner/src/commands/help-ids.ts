// The valid ids `--help` lists (from the registries themselves, so they never drift from what runs).
// Loaded only when help is asked for: the registries pull in the generator and metrics packages.
import { promptTemplates } from '@cpi-bench/generator';
import { scorers } from '@cpi-bench/metrics';

const wrap = (ids: readonly string[]): string => ids.join(', ');

/** The "Valid ids" block printed after a command's options. */
export function validIdsHelp(): string {
  return [
    '',
    'Valid ids:',
    `  --template  ${wrap(promptTemplates.map((t) => t.id))} (or a custom Jinja template in a --config file)`,
    `  --scorer    ${wrap(scorers.map((s) => s.id))}`,
    '  --splits    conflict, aligned, closed_book, unknown_subject',
  ].join('\n');
}
