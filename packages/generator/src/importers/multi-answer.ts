// The paper's capitals sometimes hold several answers in one string ("La Paz (administrative); Sucre
// (judicial)"). They become one main answer plus aliases, and the item is flagged multi_answer.

/** True for strings that name more than one acceptable answer. */
export function isMultiAnswer(raw: string): boolean {
  // " or " alone is not enough: MemoTrap has plain phrases like "white or colored passenger".
  return raw.includes(';') || raw.includes('(') || /\b[a-z]+,/.test(raw);
}

/** Capitalised word runs, e.g. "government offices in Yaren District" -> ["Yaren District"]. */
function properNames(text: string): string[] {
  return text.match(/\p{Lu}[\p{L}'’.-]*(?:\s+(?:\p{Lu}[\p{L}'’.-]*|de|da|del|es|la|of))*(?<!\s(?:de|da|del|es|la|of))/gu) ?? [];
}

/**
 * Splits a memory answer into a main answer and aliases.
 * @example splitMultiAnswer('Rangoon (Yangon); Naypyidaw or Nay Pyi Taw (administrative)')
 *   // { answer: 'Rangoon', aliases: ['Yangon', 'Naypyidaw', 'Nay Pyi Taw', <the raw string>], multi: true }
 */
export function splitMultiAnswer(raw: string): { answer: string; aliases: string[]; multi: boolean } {
  const text = raw.trim();
  if (!isMultiAnswer(text)) return { answer: text, aliases: [], multi: false };
  const names: string[] = [];
  for (const part of text.split(';')) {
    // A capitalised parenthesis is another name ("(Yangon)"); a lowercase one is a note ("(judicial)").
    const notes = [...part.matchAll(/\(([^)]*)\)/g)].map((m) => (m[1] ?? '').trim());
    const bare = part.replace(/\([^)]*\)/g, ' ').trim();
    const alternatives = bare.split(/ or |,/).map((s) => s.trim()).filter(Boolean);
    for (const alt of alternatives) names.push(...properNames(alt));
    for (const note of notes) if (/^\p{Lu}/u.test(note)) names.push(note);
  }
  const unique = [...new Set(names.map((n) => n.trim()).filter((n) => n.length > 1))];
  const answer = unique[0] ?? text;
  const aliases = [...new Set([...unique.slice(1), text])].filter((a) => a !== answer);
  return { answer, aliases, multi: true };
}
