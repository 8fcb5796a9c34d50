// Reading and writing the three formats: detected, streamed, written back in the input's own shape.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatOf, formatProblem, mitigateFile, partsOf, readExamples, splitPassage } from '../src/index.ts';
import { ALPACA, tempDir, writeJson, writeJsonl } from './helpers.ts';

let root: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => (root = await tempDir()));
afterAll(() => root.cleanup());

const PASSAGE = 'The Amazon river flows through Brazil, Peru and Colombia. It carries more water than any other river, and its basin covers about seven million square kilometres of rainforest, home to thousands of species.';

const chat = [
  { messages: [{ role: 'user', content: `${PASSAGE}\n\nWhich countries does the Amazon flow through?` }, { role: 'assistant', content: 'Brazil, Peru and Colombia.' }], id: 'c1' },
  { messages: [{ role: 'user', content: 'Tell me a joke.' }, { role: 'assistant', content: 'Why did the chicken cross the road?' }], id: 'c2' },
  { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Context: Lyon is a city.\nQuestion: What is Lyon?' }, { role: 'assistant', content: 'A city.' }], id: 'c3' },
];
const sharegpt = [
  { conversations: [{ from: 'human', value: `Background: ${PASSAGE}\n"Question": Which river is it?` }, { from: 'gpt', value: 'The Amazon.' }] },
  { conversations: [{ from: 'human', value: 'Hello there, how are you?' }, { from: 'gpt', value: 'Fine.' }] },
];

describe('formats', () => {
  it('detects Alpaca, chat and ShareGPT', () => {
    expect(formatOf(ALPACA[0])).toBe('alpaca');
    expect(formatOf(chat[0])).toBe('chat');
    expect(formatOf(sharegpt[0])).toBe('sharegpt');
    expect(formatOf({ prompt: 'x' })).toBeUndefined();
    // Tool turns are allowed and are neither the question nor the target.
    const withTool = { messages: [{ role: 'user', content: 'Weather?' }, { role: 'tool', content: '{"t": 3}' }, { role: 'assistant', content: 'Cold.' }] };
    expect(formatProblem(withTool, 'chat')).toBeUndefined();
    expect(partsOf(withTool, 'chat')).toEqual({ instruction: 'Weather?', context: '', target: 'Cold.' });
    expect(formatProblem({ messages: [{ role: 'user' }] }, 'chat')).toEqual({ pointer: '/messages/0/content', message: 'must be a string' });
  });

  it('a single user turn with a passage and a question has a context; a plain request has none', () => {
    expect(partsOf(chat[0]!, 'chat')).toMatchObject({ context: PASSAGE, instruction: 'Which countries does the Amazon flow through?', target: 'Brazil, Peru and Colombia.' });
    expect(partsOf(chat[1]!, 'chat').context).toBe('');
    expect(partsOf(chat[2]!, 'chat')).toMatchObject({ context: 'Lyon is a city.', instruction: 'Question: What is Lyon?' });
    expect(partsOf(sharegpt[0]!, 'sharegpt').context).toBe(PASSAGE);
    // A short preamble and a question is not a passage.
    expect(splitPassage('Hi!\n\nWhat is the capital of Peru?')).toBeUndefined();
  });

  it('context-only keeps Alpaca rows with an input and chat rows with a passage, writing them unchanged', async () => {
    for (const [name, data, keep] of [['alpaca.jsonl', ALPACA, [1, 2, 4]], ['chat.jsonl', chat, [0, 2]], ['sharegpt.jsonl', sharegpt, [0]]] as const) {
      const input = join(root.dir, name);
      await writeJsonl(input, data);
      const out = join(root.dir, `out-${name}`);
      const report = await mitigateFile({ transforms: ['context-only'], input, output: out });
      const expected = keep.map((i) => JSON.stringify(data[i]) + '\n').join('');
      expect(await readFile(out, 'utf8')).toBe(expected);
      expect(report).toMatchObject({ format: name.split('.')[0], input: { count: data.length }, output: { count: keep.length } });
    }
  });

  it('a JSON array comes back as a JSON array with every extra field and no added one', async () => {
    const input = join(root.dir, 'alpaca.json');
    await writeJson(input, ALPACA);
    const out = join(root.dir, 'alpaca-out.json');
    await mitigateFile({ transforms: ['context-only'], input, output: out });
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual([ALPACA[1], ALPACA[2], ALPACA[4]]);
  });

  it('streams a JSON array whose elements cross read-chunk boundaries', async () => {
    const big = Array.from({ length: 3000 }, (_, i) => ({ instruction: `Task ${i} "quoted" {brace} [bracket]`, input: 'x'.repeat(700 + (i % 13)), output: `Answer ${i}\n` }));
    const input = join(root.dir, 'big.json');
    await writeJson(input, big);
    let n = 0;
    for await (const e of readExamples(input)) expect(e.record).toEqual(big[n++]);
    expect(n).toBe(3000);
  });

  it('names the file, line and JSON pointer of a bad example, and writes nothing', async () => {
    const input = join(root.dir, 'bad.jsonl');
    await writeFile(input, [JSON.stringify(ALPACA[0]), JSON.stringify({ instruction: 'no output' }), JSON.stringify({ instruction: 'x', output: 3 })].join('\n') + '\n');
    const out = join(root.dir, 'bad-out.jsonl');
    await expect(mitigateFile({ transforms: ['context-only'], input, output: out })).rejects.toMatchObject({
      code: 'CPI_SCHEMA_INVALID',
      issues: [expect.objectContaining({ file: input, line: 2, pointer: '/output' }), expect.objectContaining({ line: 3, pointer: '/output' })],
    });
    await expect(readFile(out)).rejects.toThrow();
    // An element of a JSON array that is not an object is named, not skipped.
    const array = join(root.dir, 'bad.json');
    await writeFile(array, `[\n  ${JSON.stringify(ALPACA[0])},\n  "a string, with a comma",\n  42\n]`);
    await expect(mitigateFile({ transforms: ['context-only'], input: array, output: out })).rejects.toMatchObject({
      issues: [expect.objectContaining({ pointer: '/1', line: 3 }), expect.objectContaining({ pointer: '/2', line: 4 })],
    });
    // A cut-off last line is not silently dropped.
    await writeFile(input, `${JSON.stringify(ALPACA[0])}\n{"instruction": "cut`);
    await expect(mitigateFile({ transforms: ['context-only'], input, output: out })).rejects.toMatchObject({ code: 'CPI_SCHEMA_INVALID', message: expect.stringContaining('cut off') });
  });
});
