// The paper's scorer: an answer counts when it (or an alias) appears in the output. Context and parametric
// hits are independent, so "United States or United Kingdom" counts for both.
import { optionVerdict } from '../option-letter.ts';
import { VERDICT, type Scorer } from './types.ts';

function anyIn(text: string, padded: readonly string[]): boolean {
  for (let i = 0; i < padded.length; i++) if (text.includes(padded[i]!)) return true;
  return false;
}

export const containmentScorer: Scorer = {
  id: 'containment',
  description: 'The answer or an alias appears in the output after normalisation (NFKD, accents, case, punctuation, leading articles), bounded by word edges; context and parametric hits counted independently (the paper).',
  mode: 'generate',
  score({ prepared, normalizedText, paddedText, record }) {
    if (normalizedText.length === 0) return VERDICT.EMPTY;
    if (prepared.options) return optionVerdict(prepared.options, record.generation?.text ?? '');
    const ctx = anyIn(paddedText, prepared.padded.ctx);
    const par = anyIn(paddedText, prepared.padded.par);
    return ctx ? (par ? VERDICT.BOTH : VERDICT.CTX) : par ? VERDICT.PAR : VERDICT.OTHER;
  },
};
