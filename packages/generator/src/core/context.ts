// The wording of generated contexts: a relation clause filled with subject and object, placed at the start,
// middle or end among filler sentences, or framed as "Many people believe …; in fact …" (the conflict_mp variant).
import type { ConflictItem } from '@cpi-bench/schemas';
import { answerOffset, capitalize, indefiniteArticle } from './text.ts';

export type Frame = 'start' | 'middle' | 'end' | 'believed';
export const POSITION_FRAMES: readonly Frame[] = ['start', 'middle', 'end'];

export function fillClause(clause: string, subject: string, object: string): string {
  // {a_object} before {object}; values never contain slot names, so chained replacement is safe.
  let out = clause.replaceAll('{subject}', subject);
  if (out.includes('{a_object}')) out = out.replaceAll('{a_object}', `${indefiniteArticle(object)} ${object}`);
  return out.replaceAll('{object}', object);
}

function sentence(clause: string): string {
  return capitalize(clause) + '.';
}

export interface ContextPlan {
  frame: Frame;
  clause: string;
  clauseIndex: number;
  fillerSentences: [string, string];
  /** Index among the sentences where the distractor goes, with its text; undefined for none. */
  distractor: { at: number; text: string } | undefined;
}

/** The context text; the `believed` frame (conflict_mp) first states the true object as a common belief. */
export function renderContext(plan: ContextPlan, subject: string, object: string, trueObject: string): string {
  const fill = (s: string) => s.replaceAll('{subject}', subject);
  const [f1, f2] = plan.fillerSentences.map(fill) as [string, string];
  let statement: string;
  let parts: string[];
  if (plan.frame === 'believed') {
    const believed = `Many people believe that ${fillClause(plan.clause, subject, trueObject)}.`;
    statement = `${believed} In fact, ${fillClause(plan.clause, subject, object)}.`;
    parts = [f1, statement, f2];
  } else {
    statement = sentence(fillClause(plan.clause, subject, object));
    parts = plan.frame === 'start' ? [statement, f1, f2] : plan.frame === 'middle' ? [f1, statement, f2] : [f1, f2, statement];
  }
  if (plan.distractor) parts.splice(plan.distractor.at, 0, plan.distractor.text);
  return parts.join(' ');
}

export function answerPosition(context: string, answer: string): ConflictItem['answerPosition'] | undefined {
  const at = answerOffset(context, answer);
  if (at < 0) return undefined;
  const charFraction = Math.round((at / context.length) * 10000) / 10000;
  return { bucket: charFraction < 1 / 3 ? 'start' : charFraction < 2 / 3 ? 'middle' : 'end', charFraction };
}

