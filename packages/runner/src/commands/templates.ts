// `npx run templates`: the built-in prompt templates, from the generator's registry.
import { promptTemplates } from '@cpi-bench/generator';

export async function templates(flags: { json?: boolean }, io: { stdout: NodeJS.WriteStream }): Promise<void> {
  if (flags.json) {
    io.stdout.write(JSON.stringify({ templates: promptTemplates.map((t) => ({ id: t.id, format: t.format, description: t.description ?? '', text: t.text, closedBookText: t.closedBookText ?? null })) }) + '\n');
    return;
  }
  const width = Math.max(...promptTemplates.map((t) => t.id.length));
  for (const t of promptTemplates) io.stdout.write(`${t.id.padEnd(width)}  ${t.format.padEnd(13)}  ${t.description ?? ''}\n`);
  io.stdout.write('\nA run file can add its own: template: { id: my-qa, jinja: "Context: {{ context }}\\nQuestion: {{ question }}\\nAnswer:" }\n');
}
