// MemoTrap's `classes` column is a Python list literal (`[' heavy.', " don't."]`) with escapes. This reads
// exactly that grammar: a list of single- or double-quoted strings. Nothing is evaluated.

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };

export class PythonLiteralError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at character ${offset + 1}`);
  }
}

/**
 * Parses a Python list of string literals.
 * @throws PythonLiteralError naming the offending character.
 * @example parsePythonStringList("[' heavy.', \" don't.\"]") // [' heavy.', " don't."]
 */
export function parsePythonStringList(text: string): string[] {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const expect = (ch: string) => {
    if (text[i] !== ch) throw new PythonLiteralError(`expected "${ch}"`, i);
    i++;
  };
  const string = (): string => {
    const quote = text[i];
    if (quote !== "'" && quote !== '"') throw new PythonLiteralError('expected a quoted string', i);
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) throw new PythonLiteralError('unterminated string', i);
      const ch = text[i] as string;
      if (ch === quote) {
        i++;
        return out;
      }
      if (ch === '\n') throw new PythonLiteralError('newline inside a string', i);
      if (ch !== '\\') {
        out += ch;
        i++;
        continue;
      }
      const esc = text[i + 1] ?? '';
      if (esc in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[esc];
        i += 2;
      } else if (esc === 'x' || esc === 'u' || esc === 'U') {
        const width = esc === 'x' ? 2 : esc === 'u' ? 4 : 8;
        const hex = text.slice(i + 2, i + 2 + width);
        if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) throw new PythonLiteralError(`bad \\${esc} escape`, i);
        const codePoint = parseInt(hex, 16);
        // Python rejects \U00110000 too ("illegal Unicode character"); String.fromCodePoint would throw a RangeError.
        if (codePoint > 0x10ffff) throw new PythonLiteralError(`\\${esc}${hex} is beyond the last Unicode code point`, i);
        out += String.fromCodePoint(codePoint);
        i += 2 + width;
      } else if (esc === '\n') {
        i += 2; // line continuation
      } else {
        // Python keeps unknown escapes verbatim, backslash included.
        out += '\\' + esc;
        i += 2;
      }
    }
  };
  ws();
  expect('[');
  const values: string[] = [];
  ws();
  if (text[i] === ']') i++;
  else {
    for (;;) {
      ws();
      values.push(string());
      ws();
      if (text[i] === ',') {
        i++;
        ws();
        if (text[i] === ']') {
          i++;
          break;
        }
        continue;
      }
      expect(']');
      break;
    }
  }
  ws();
  if (i !== text.length) throw new PythonLiteralError('unexpected text after the list', i);
  return values;
}
