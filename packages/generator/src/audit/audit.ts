// Data-integrity checks for any knowledge-conflict dataset, ours or imported (paper.md §7.2): answers
// inside or missing from contexts, answer pairs that share words, multi-answer strings, duplicates across
// datasets, and names leaking into swapped biographies. Pure: items in, report out.
import type { ConflictItem } from '@cpi-bench/schemas';
import { answerFinder, containsAnswer, normalize, sharedWords, significantWords } from '../core/text.ts';
import { isMultiAnswer } from '../importers/multi-answer.ts';
import { PRONOUN_CHECK, pronounFindings } from './pronouns.ts';
import { VARIANT_CHECK, headlineVariantFinding } from './variants.ts';

type Flag = NonNullable<ConflictItem['flags']>[number];

export interface AuditCheck {
  id: string;
  description: string;
  /** The item flag that marks a finding of this check as intended (made on purpose and labelled). */
  intendedFlag?: Flag;
}

export const auditChecks: readonly AuditCheck[] = [
  { id: 'parametric_in_context', description: 'the parametric (true) answer also appears in a conflict context, so echoing the context scores as parametric', intendedFlag: 'mentions_parametric' },
  { id: 'context_answer_missing', description: 'the context answer does not appear in the context', },
  { id: 'shared_words', description: 'context and parametric answers share a word ("United States" / "United Kingdom"), so containment double-counts', intendedFlag: 'shared_words' },
  { id: 'multi_answer', description: 'the parametric answer names several answers ("La Paz (administrative); Sucre (judicial)")', intendedFlag: 'multi_answer' },
  { id: 'duplicate', description: 'the same question, context and split as an earlier item' },
  { id: 'near_duplicate', description: 'the same question and parametric answer as an item of another group, with a different context' },
  { id: 'name_leak', description: 'part of the parametric name (a surname, say) survives in a conflict context that swapped it out' },
  VARIANT_CHECK,
  PRONOUN_CHECK,
];

export interface AuditEntry {
  item: ConflictItem;
  /** The file the item came from, for the report. */
  file?: string;
}

export interface AuditFinding {
  check: string;
  itemId: string;
  dataset: string;
  file?: string;
  line?: number;
  detail: string;
  /** True when the item carries the flag that marks this property as deliberate. */
  intended: boolean;
}

export interface AuditCheckSummary {
  id: string;
  description: string;
  count: number;
  intended: number;
  /** Findings per dataset. */
  byDataset: Record<string, number>;
  /** Findings that involve two datasets (duplicates across datasets), as "a <-> b" -> count. */
  crossDataset?: Record<string, number>;
}

export interface AuditReport {
  items: number;
  byDataset: Record<string, number>;
  checks: AuditCheckSummary[];
  findings: AuditFinding[];
  /** Findings not marked as intended. Zero means clean. */
  unintended: number;
}

const flagged = (item: ConflictItem, flag: Flag | undefined) => flag !== undefined && (item.flags ?? []).includes(flag);

/** Capitalised significant words of a name ("Leonardo da Vinci" -> Leonardo, Vinci). */
function nameTokens(answer: string): string[] {
  return answer.split(/[\s,]+/).filter((w) => /^\p{Lu}/u.test(w) && significantWords(w).length > 0).map((w) => w.replace(/[^\p{L}\p{N}'-]+$/u, ''));
}

/** True where `word` occurs in `text` capitalised, as a whole word, and not at the start of a sentence. */
function usedAsProperNoun(text: string, word: string): boolean {
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    const before = text.slice(0, at).trimEnd();
    const after = text[at + word.length] ?? '';
    if (before !== '' && !/[.!?:"“]$/.test(before) && !/[\p{L}\p{N}]$/u.test(text.slice(0, at)) && !/[\p{L}\p{N}]/u.test(after)) return true;
  }
  return false;
}

/**
 * Runs every check over `entries`.
 * @example auditItems(items.map((item) => ({ item }))).unintended === 0
 */
export function auditItems(entries: readonly AuditEntry[]): AuditReport {
  const findings: AuditFinding[] = [];
  const cross = new Map<string, Map<string, number>>();
  const add = (check: AuditCheck, entry: AuditEntry, detail: string, other?: ConflictItem) => {
    const finding: AuditFinding = { check: check.id, itemId: entry.item.id, dataset: entry.item.dataset, detail, intended: flagged(entry.item, check.intendedFlag) };
    if (entry.file !== undefined) finding.file = entry.file;
    if (entry.item.provenance.line !== undefined && entry.file !== undefined) finding.line = entry.item.provenance.line;
    findings.push(finding);
    if (other && other.dataset !== entry.item.dataset) {
      const key = [other.dataset, entry.item.dataset].sort().join(' <-> ');
      const m = cross.get(check.id) ?? new Map<string, number>();
      m.set(key, (m.get(key) ?? 0) + 1);
      cross.set(check.id, m);
    }
  };
  const check = (id: string) => auditChecks.find((c) => c.id === id) as AuditCheck;
  const [parametricIn, contextMissing, shared, multi, duplicate, nearDuplicate, nameLeak] = [
    'parametric_in_context', 'context_answer_missing', 'shared_words', 'multi_answer', 'duplicate', 'near_duplicate', 'name_leak',
  ].map(check) as [AuditCheck, AuditCheck, AuditCheck, AuditCheck, AuditCheck, AuditCheck, AuditCheck];

  const exact = new Map<string, ConflictItem>();
  const byQuestion = new Map<string, ConflictItem[]>();
  const byDataset: Record<string, number> = {};
  for (const entry of entries) {
    const { item } = entry;
    byDataset[item.dataset] = (byDataset[item.dataset] ?? 0) + 1;
    const ctx = item.context;
    const par = item.parametricAnswer;
    const cta = item.contextAnswer;
    const variantDetail = headlineVariantFinding(item);
    if (variantDetail !== undefined) add(check(VARIANT_CHECK.id), entry, variantDetail);
    // The context is normalised once per item, however many answers and aliases are looked up in it.
    const inContext = ctx !== undefined ? answerFinder(ctx) : undefined;
    if (item.split === 'conflict' && ctx !== undefined && inContext !== undefined && par !== undefined) {
      if (inContext(par)) add(parametricIn, entry, `"${par}" appears in the context`);
      else {
        const inQuestion = item.question ? answerFinder(item.question) : () => false;
        const tokens = nameTokens(par);
        const leaked = tokens.filter((t) => inContext(t) && !inQuestion(t) && !(cta && containsAnswer(cta, t)));
        // A name of one significant word ("Vatican City", "The Hague") leaks only where the context uses it as
        // a proper noun, capitalised mid-sentence: an ordinary word at a sentence start is no leak.
        const leaks = tokens.length > 1 ? leaked : leaked.filter((t) => usedAsProperNoun(ctx, t));
        if (leaks.length > 0) add(nameLeak, entry, `"${leaks.join('", "')}" of "${par}" appears in the context`);
      }
      if (cta !== undefined) {
        const words = sharedWords(cta, par);
        if (words.length > 0) add(shared, entry, `"${cta}" and "${par}" share "${words.join('", "')}"`);
      }
    }
    if (inContext !== undefined && cta !== undefined && ![cta, ...(item.contextAliases ?? [])].some(inContext)) {
      add(contextMissing, entry, `"${cta}" is not in the context`);
    }
    if (par !== undefined && (isMultiAnswer(par) || flagged(item, 'multi_answer'))) {
      add(multi, entry, `"${[par, ...(item.parametricAliases ?? [])].join('" | "')}"`);
    }
    const q = normalize(item.question ?? item.prompt ?? '');
    const key = `${item.split}\u0000${q}\u0000${normalize(ctx ?? '')}`;
    const first = exact.get(key);
    if (first) add(duplicate, entry, `duplicates ${first.id}`, first);
    else {
      exact.set(key, item);
      const qKey = `${q}\u0000${normalize(par ?? cta ?? '')}`;
      const same = byQuestion.get(qKey) ?? [];
      const twin = same.find((o) => o.split === item.split && (o.groupId === undefined || o.groupId !== item.groupId));
      if (twin && q !== '') add(nearDuplicate, entry, `same question and answer as ${twin.id}`, twin);
      same.push(item);
      byQuestion.set(qKey, same);
    }
  }

  const entryOf = new Map(entries.map((e) => [e.item, e]));
  for (const f of pronounFindings(entries.map((e) => e.item))) add(check(PRONOUN_CHECK.id), entryOf.get(f.item) as AuditEntry, f.detail);

  const checks: AuditCheckSummary[] = auditChecks.map((c) => {
    const mine = findings.filter((f) => f.check === c.id);
    const perDataset: Record<string, number> = {};
    for (const f of mine) perDataset[f.dataset] = (perDataset[f.dataset] ?? 0) + 1;
    const summary: AuditCheckSummary = { id: c.id, description: c.description, count: mine.length, intended: mine.filter((f) => f.intended).length, byDataset: perDataset };
    const crossCounts = cross.get(c.id);
    if (crossCounts) summary.crossDataset = Object.fromEntries([...crossCounts].sort());
    return summary;
  });
  return { items: entries.length, byDataset, checks, findings, unintended: findings.filter((f) => !f.intended).length };
}

/** A short plain-text summary, one line per check, for the CLI. */
export function formatAuditReport(report: AuditReport, options: { examples?: number; invalidLines?: number } = {}): string {
  const lines = [`${report.items} items (${Object.entries(report.byDataset).map(([d, n]) => `${d} ${n}`).join(', ')})`];
  for (const c of report.checks) {
    const datasets = Object.entries(c.byDataset).map(([d, n]) => `${d} ${n}`).join(', ');
    const cross = c.crossDataset ? `; across datasets: ${Object.entries(c.crossDataset).map(([k, n]) => `${k} ${n}`).join(', ')}` : '';
    lines.push(`${c.count === 0 ? 'ok  ' : 'FIND'} ${c.id}: ${c.count}${c.intended ? ` (${c.intended} flagged on purpose)` : ''}${datasets ? ` [${datasets}]` : ''}${cross}`);
    for (const f of report.findings.filter((x) => x.check === c.id && !x.intended).slice(0, options.examples ?? 3)) {
      lines.push(`       ${f.itemId}${f.file ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : ''}: ${f.detail}`);
    }
  }
  // Lines that could not be read were not audited, so a file with any is never called clean.
  const invalid = options.invalidLines ?? 0;
  if (invalid > 0) lines.push(`${invalid} invalid ${invalid === 1 ? 'line' : 'lines'} left out, so not audited${report.unintended > 0 ? `; ${report.unintended} unflagged findings` : ''}`);
  else lines.push(report.unintended === 0 ? 'clean: every finding is flagged on purpose' : `${report.unintended} unflagged findings`);
  return lines.join('\n');
}
