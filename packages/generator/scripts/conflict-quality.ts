// Counts the conflict-quality defects of issue 15 in one or more generated item files (cpi-facts.jsonl),
// side by side: `npx tsx packages/generator/scripts/conflict-quality.ts OLD.jsonl NEW.jsonl`. The truth it
// checks against is today's fact base (packages plus curated seeds), so an old file is judged by what we
// now know (Victor Hugo was a playwright too).
import { readFileSync } from 'node:fs';
import type { ConflictItem } from '@cpi-bench/schemas';
import { containsAnswer, findRelation, loadFactBase, loadSeeds } from '../src/index.ts';
import { slug } from '../src/core/text.ts';
import { contradictsAll, indexFacts, trueValues } from '../src/core/truth.ts';
import { LATEST_PLAUSIBLE_YEAR } from '../src/facts/relations.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: conflict-quality.ts FILE.jsonl [FILE.jsonl ...]');
  process.exit(2);
}
const facts = await loadFactBase();
const seeds = await loadSeeds();
const index = indexFacts(facts);
const byId = new Map(facts.map((f) => [f.id, f]));
const excluded = new Set((seeds.curation?.exclude ?? []).map((e) => `${e.relation}:${slug(e.subject)}`));

type Row = Record<string, number | string>;
function count(file: string): Row {
  const items = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ConflictItem);
  const conflicts = items.filter((i) => i.split === 'conflict');
  const headline = conflicts.filter((i) => i.variant === undefined);
  const forms = (i: ConflictItem) => [i.parametricAnswer ?? '', ...(i.parametricAliases ?? [])].filter((a) => a !== '');
  let trueInReality = 0;
  for (const i of conflicts) {
    const fact = i.provenance.factId === undefined ? undefined : byId.get(i.provenance.factId);
    const relation = findRelation(i.category);
    if (fact && relation && i.contextAnswer && !contradictsAll(i.contextAnswer, trueValues(index, fact), relation)) trueInReality++;
  }
  const implausible = headline.filter((i) => {
    const r = findRelation(i.category);
    const v = Number(i.contextAnswer);
    if (!r?.numeric || !Number.isFinite(v)) return false;
    const [lo, hi] = r.plausibleRange ?? [1, Number.POSITIVE_INFINITY];
    return v < lo || v > hi;
  }).length;
  // Aligned twins of facts a reference source disputes (now left out) or names otherwise (now renamed).
  const disputedAligned = items.filter((i) => {
    const id = i.provenance.factId;
    if (i.split !== 'aligned' || id === undefined) return false;
    return excluded.has(id) || (byId.has(id) && byId.get(id)?.object !== i.contextAnswer);
  }).length;
  return {
    'conflict items': conflicts.length,
    'headline conflict items': headline.length,
    'headline conflicts naming the true answer': headline.filter((i) => i.context !== undefined && forms(i).some((a) => containsAnswer(i.context as string, a))).length,
    'labelled conflict_mp variants': conflicts.filter((i) => i.variant === 'conflict_mp').length,
    'conflicts with aliases': conflicts.filter((i) => (i.contextAliases?.length ?? 0) + (i.parametricAliases?.length ?? 0) > 0).length,
    'counterfactuals true in reality (or compatible)': trueInReality,
    [`headline numbers out of range (year > ${LATEST_PLAUSIBLE_YEAR} or < 1000, Z > 118)`]: implausible,
    'absurd perturbations in the headline': headline.filter((i) => i.substitution?.params?.['level'] === 'absurd').length,
    'aligned twins of disputed or misnamed facts': disputedAligned,
  };
}

const rows = files.map(count);
const keys = Object.keys(rows[0] as Row);
console.log(`| | ${files.join(' | ')} |`);
console.log(`|---|${files.map(() => '---:').join('|')}|`);
for (const k of keys) console.log(`| ${k} | ${rows.map((r) => r[k]).join(' | ')} |`);
