// MemoTrap (liujch1998/memo-trap, MIT): four CSV files of completion prompts whose instructed ending
// contradicts a memorised one. The instructed class is the context answer, the other the parametric one.
import Papa from 'papaparse';
import { CpiError, type ConflictItem } from '@cpi-bench/schemas';
import { canonicalItem } from '../core/item.ts';
import { lineCounter } from '../core/json-location.ts';
import { PythonLiteralError, parsePythonStringList } from './python-literal.ts';

/** File name -> subtask (category) and its expected row count. */
export const MEMOTRAP_FILES: Readonly<Record<string, { category: string; rows: number }>> = {
  '1-proverb-ending.csv': { category: 'proverb_ending', rows: 860 },
  '2-proverb-translation.csv': { category: 'proverb_translation', rows: 843 },
  '3-hate-speech-ending.csv': { category: 'hate_speech_ending', rows: 100 },
  '4-history-of-science-qa.csv': { category: 'history_of_science_qa', rows: 736 },
};

export const MEMOTRAP_LICENCE = 'MIT (liujch1998/memo-trap)';

/**
 * Imports one MemoTrap CSV. `category` defaults to the subtask named by the file name.
 * @throws CpiError CPI_IMPORT_INVALID naming file, line and column.
 */
export function importMemoTrap(text: string, file: string, category?: string): ConflictItem[] {
  const base = file.split('/').pop() ?? file;
  const subtask = category ?? MEMOTRAP_FILES[base]?.category ?? base.replace(/\.csv$/, '').replace(/[^A-Za-z0-9_]+/g, '_');
  const rows: { data: string[]; line: number }[] = [];
  let rowStart = 0;
  const lineOf = lineCounter(text);
  Papa.parse<string[]>(text, {
    skipEmptyLines: true,
    step: (result) => {
      // The cursor is where the row ended; its first line is where the previous row ended, past newlines.
      let start = rowStart;
      while (text[start] === '\n' || text[start] === '\r') start++;
      rows.push({ data: result.data, line: lineOf(start) });
      rowStart = result.meta.cursor;
    },
  });
  const header = rows.shift();
  const columns = header?.data ?? [];
  const col = (name: string) => {
    const at = columns.indexOf(name);
    if (at < 0) throw new CpiError('CPI_IMPORT_INVALID', `missing column "${name}" (have ${columns.join(', ')})`, { file, line: 1 });
    return at;
  };
  const [promptCol, classesCol, answerCol] = [col('prompt'), col('classes'), col('answer_index')];
  if (rows.length === 0) throw new CpiError('CPI_IMPORT_EMPTY', 'holds a header but no rows', { file, line: 1, hint: 'is this the unmodified file from the MemoTrap repository?' });
  return rows.map(({ data, line }, index) => {
    const bad = (column: string, message: string) => new CpiError('CPI_IMPORT_INVALID', message, { file, line, pointer: `/${index}/${column}` });
    const prompt = data[promptCol] ?? '';
    if (prompt.trim() === '') throw bad('prompt', 'column "prompt" is empty');
    let classes: string[];
    try {
      classes = parsePythonStringList(data[classesCol] ?? '');
    } catch (error) {
      if (error instanceof PythonLiteralError) throw bad('classes', `column "classes" is not a Python list of strings: ${error.message}`);
      throw error;
    }
    const answerIndex = Number(data[answerCol]);
    if (classes.length !== 2 || !(answerIndex === 0 || answerIndex === 1)) throw bad('answer_index', 'expected two classes and an answer_index of 0 or 1');
    const contextAnswer = (classes[answerIndex] as string).trim();
    const parametricAnswer = (classes[1 - answerIndex] as string).trim();
    if (contextAnswer === '' || parametricAnswer === '') throw bad('classes', 'a class is empty');
    const trimmed = prompt.trimEnd();
    return canonicalItem({
      id: `memotrap:${subtask}:${String(index + 1).padStart(4, '0')}`,
      dataset: 'memotrap',
      category: subtask,
      split: 'conflict',
      // The instruction inside the prompt is the context that states the unexpected ending.
      context: trimmed,
      prompt: trimmed,
      contextAnswer,
      parametricAnswer,
      provenance: { source: base, file: `memotrap/${base}`, line, index, licence: MEMOTRAP_LICENCE },
    });
  });
}
