// A stricter reading of a generation: only words that tell the two answers apart count ("States" against
// "Kingdom", never the shared "United"), and whichever answer the output names first is the one it gives.
import { optionVerdict } from '../option-letter.ts';
import { VERDICT, type PreparedItem, type Scorer } from './types.ts';

/** Character offset of the earliest of `words` (each padded with spaces) in `paddedText`; -1 if none. */
function firstPosition(paddedText: string, words: readonly string[]): number {
  let best = -1;
  for (const w of words) {
    const at = paddedText.indexOf(w);
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}

function positions(p: PreparedItem, paddedText: string): { ctx: number; par: number } {
  let ctx = firstPosition(paddedText, p.padded.ctxWords);
  let par = firstPosition(paddedText, p.padded.parWords);
  // An answer wholly inside the other ("Paris" against "Paris, Texas") has no word of its own: it is given
  // when its full form appears and the other answer's own words do not.
  if (p.padded.ctxWords.length === 0 && par < 0) ctx = firstPosition(paddedText, p.padded.ctx);
  if (p.padded.parWords.length === 0 && ctx < 0) par = firstPosition(paddedText, p.padded.par);
  return { ctx, par };
}

export const orderedScorer: Scorer = {
  id: 'ordered',
  description: 'Only the words that tell the two answers apart count; whichever answer appears first wins (CTX, PAR, BOTH on a tie, OTHER, EMPTY).',
  mode: 'generate',
  score({ prepared, normalizedText, paddedText, record }) {
    if (normalizedText.length === 0) return VERDICT.EMPTY;
    if (prepared.options) return optionVerdict(prepared.options, record.generation?.text ?? '');
    const { ctx, par } = positions(prepared, paddedText);
    if (ctx < 0 && par < 0) return VERDICT.OTHER;
    if (par < 0 || (ctx >= 0 && ctx < par)) return VERDICT.CTX;
    if (ctx < 0 || par < ctx) return VERDICT.PAR;
    return VERDICT.BOTH;
  },
};
