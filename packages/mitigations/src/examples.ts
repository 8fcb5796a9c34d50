// Reading the parts of a finetuning example that the transforms care about, for both Alpaca and chat forms.
import type { FinetuneExample } from '@cpi-bench/schemas';

/** The context an example gives (Alpaca `input`; for chat, user turns before the last), or '' if none. */
export function exampleContext(example: FinetuneExample): string {
  if (example.messages) {
    const users = example.messages.filter((m) => m.role === 'user');
    return users.length > 1 ? users.slice(0, -1).map((m) => m.content).join('\n') : '';
  }
  return example.input ?? '';
}

/** All the text of an example: instruction, input, output, or every message. */
export function exampleText(example: FinetuneExample): string {
  if (example.messages) return example.messages.map((m) => m.content).join('\n');
  return [example.instruction ?? '', example.input ?? '', example.output ?? ''].join('\n');
}

/** The example's id, or its position when it has none. */
export function exampleId(example: FinetuneExample, index: number): string {
  return example.id ?? String(index);
}
