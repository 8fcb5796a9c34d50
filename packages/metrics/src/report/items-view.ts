// The report's per-item view: pick a run and two checkpoints (default: the smoothed peak the verdict tests
// and the final one), and read the conflict items that stopped following the context between them, with
// the prompt, both outputs and every scorer's label side by side; filter by dataset, category and strategy.
// The data is embedded as JSON and drawn by a small inline script: the page stays one offline file.
import type { InversionReport } from '@cpi-bench/schemas';
import type { RunInput } from '../inversion-report.ts';
import { LABELS, reportingSplit, scoreRun } from '../scoring.ts';

/** Most conflict items per run the view embeds (the page stays a few MB at most). */
export const ITEMS_VIEW_MAX_ITEMS = 20_000;

/** What the page's script reads, per run. Strings repeat a lot (outputs across checkpoints), so they are interned. */
interface ViewRun {
  label: string;
  steps: number[];
  scorers: string[];
  /** The report's scorer, smoothed peak and final step: the default pair. */
  scorer: string;
  peakStep: number | null;
  finalStep: number | null;
  truncated: boolean;
  /** [id, dataset, category, strategy, promptRef, contextAnswer, parametricAnswer] (refs into `strings`, -1 for none). */
  items: [string, string, string, string, number, string, string][];
  /** Per step, per item: one label code per scorer (digits, '0' none), the output's string ref and M_C (null). */
  cells: { labels: string[]; outputs: number[]; mc: (number | null)[] }[];
}

export interface ItemsViewData {
  labels: readonly string[];
  strings: string[];
  runs: ViewRun[];
}

/**
 * The view's data for the runs of a report. `prompts` gives each run's prompt texts by id (prompts.jsonl);
 * without them the view shows the item's question and context instead.
 */
export function itemsViewData(report: InversionReport, runs: readonly RunInput[], prompts: readonly (ReadonlyMap<string, string> | undefined)[] = []): ItemsViewData {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (s: string | undefined): number => {
    if (s === undefined) return -1;
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  // Items are scored with the report's margin, so each label is the one the report's counts were made from.
  const setting = report.settings?.['logprobMargin'];
  const margin = typeof setting === 'number' ? setting : undefined;
  const out: ViewRun[] = runs.map((input, r) => {
    const reported = report.runs[r]!;
    const scored = scoreRun(input.items, input.records, margin === undefined ? {} : { logprobMargin: margin });
    const scorers = [...scored.byScorer.keys()];
    // The headline conflicts, as the report's rates and paired counts take them (labelled variants apart).
    const conflict = scored.items.map((p, i) => ({ p, i })).filter(({ p }) => reportingSplit(p.item) === 'conflict');
    const kept = conflict.slice(0, ITEMS_VIEW_MAX_ITEMS);
    // Outputs and prompt ids per item and step, from the latest generate (else score) record.
    const outputOf = new Map<string, string>();
    const promptOf = new Map<string, string>();
    for (const rec of input.records) {
      if (rec.mode === 'generate') outputOf.set(`${rec.itemId}\0${rec.step}`, rec.ok ? (rec.generation?.text ?? '') : `[failed: ${rec.error?.code ?? '?'}]`);
      if (rec.promptId !== undefined) promptOf.set(rec.itemId, rec.promptId);
    }
    const promptText = (item: (typeof kept)[number]['p']['item']): string => {
      const id = promptOf.get(item.id);
      const text = id !== undefined ? prompts[r]?.get(id) : undefined;
      return text ?? [item.context ? `Context: ${item.context}` : '', item.question ? `Question: ${item.question}` : '', item.prompt ?? ''].filter(Boolean).join('\n');
    };
    return {
      label: reported.label,
      steps: scored.steps,
      scorers,
      scorer: reported.scorer,
      peakStep: reported.trajectory.smoothedPeakStep ?? null,
      finalStep: reported.trajectory.finalStep ?? null,
      truncated: conflict.length > kept.length,
      items: kept.map(({ p }) => [p.item.id, p.item.dataset, p.item.category, p.item.substitution?.strategy ?? 'none', ref(promptText(p.item)), p.item.contextAnswer ?? '', p.item.parametricAnswer ?? '']),
      cells: scored.steps.map((step) => ({
        labels: kept.map(({ i }) => scorers.map((id) => String(scored.byScorer.get(id)?.get(step)?.label[i] ?? 0)).join('')),
        outputs: kept.map(({ p }) => ref(outputOf.get(`${p.item.id}\0${step}`))),
        mc: kept.map(({ i }) => {
          const v = scored.byScorer.get('logprob')?.get(step)?.mc[i];
          return v === undefined || Number.isNaN(v) ? null : Math.round(v * 1000) / 1000;
        }),
      })),
    };
  });
  return { labels: LABELS, strings, runs: out };
}

// A label code follows the context when its label has the context hit (CTX, BOTH): the report's paired
// counts use the same rule (inversion-report.ts pairedTest, via CTX_BIT), so the default pair's count of
// flipped items equals the report's "stopped following the context".
const CTX_CODES = LABELS.map((l, i) => (l === 'CTX' || l === 'BOTH' ? String(i + 1) : '')).filter(Boolean).join('');

const SCRIPT = `(() => {
const D = JSON.parse(document.getElementById('items-data').textContent);
const CTX = ${JSON.stringify(CTX_CODES)};
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/&/g,'&amp;').replace(/</g,'&lt;').replace(/>/g,'&gt;');
const opt = (v, t, sel) => '<option value="' + esc(v) + '"' + (sel ? ' selected' : '') + '>' + esc(t) + '</option>';
const S = (i) => (i < 0 ? '' : D.strings[i]);
function fillRun() {
  const run = D.runs[+$('iv-run').value];
  const stepOpts = (def) => run.steps.map((s) => opt(s, 'step ' + s + (s === run.peakStep ? ' (smoothed peak)' : s === run.finalStep ? ' (final)' : ''), s === def)).join('');
  $('iv-a').innerHTML = stepOpts(run.peakStep ?? run.steps[0]);
  $('iv-b').innerHTML = stepOpts(run.finalStep ?? run.steps[run.steps.length - 1]);
  $('iv-scorer').innerHTML = run.scorers.map((s) => opt(s, s, s === run.scorer)).join('');
  for (const [id, col] of [['iv-dataset', 1], ['iv-category', 2], ['iv-strategy', 3]]) {
    const vals = [...new Set(run.items.map((it) => it[col]))].sort();
    $(id).innerHTML = opt('', 'all') + vals.map((v) => opt(v, v, false)).join('');
  }
  draw();
}
function draw() {
  const run = D.runs[+$('iv-run').value];
  const a = run.steps.indexOf(+$('iv-a').value), b = run.steps.indexOf(+$('iv-b').value);
  const k = run.scorers.indexOf($('iv-scorer').value);
  const dir = $('iv-dir').value;
  const f = [$('iv-dataset').value, $('iv-category').value, $('iv-strategy').value];
  const rows = [];
  let pairs = 0;
  run.items.forEach((it, i) => {
    if ((f[0] && it[1] !== f[0]) || (f[1] && it[2] !== f[1]) || (f[2] && it[3] !== f[2])) return;
    const la = run.cells[a].labels[i], lb = run.cells[b].labels[i];
    if (la[k] === '0' || lb[k] === '0') return;
    pairs++;
    const wasCtx = CTX.includes(la[k]), nowCtx = CTX.includes(lb[k]);
    if (dir === 'ctx-par' ? !(wasCtx && !nowCtx) : !(!wasCtx && nowCtx)) return;
    const labels = (l) => run.scorers.map((s, j) => '<span class="lab' + (j === k ? ' main' : '') + '">' + esc(s) + ': ' + (l[j] === '0' ? '–' : D.labels[+l[j] - 1]) + '</span>').join(' ');
    const mc = (c) => (c.mc[i] === null ? '' : '<br>M_C ' + c.mc[i].toFixed(3));
    rows.push('<tr><td class="l"><code>' + esc(it[0]) + '</code><br><small>' + esc(it[1]) + ' · ' + esc(it[2]) + ' · ' + esc(it[3]) + '</small></td>'
      + '<td class="l"><pre class="prompt">' + esc(S(it[4])) + '</pre></td>'
      + '<td class="l">' + esc(it[5]) + '</td><td class="l">' + esc(it[6]) + '</td>'
      + '<td class="l"><pre>' + esc(S(run.cells[a].outputs[i])) + '</pre>' + labels(la) + mc(run.cells[a]) + '</td>'
      + '<td class="l"><pre>' + esc(S(run.cells[b].outputs[i])) + '</pre>' + labels(lb) + mc(run.cells[b]) + '</td></tr>');
  });
  $('iv-count').textContent = rows.length + ' of ' + pairs + ' conflict items with a verdict at both steps ' + (dir === 'ctx-par' ? 'stopped' : 'started') + ' following the context (scorer ' + run.scorers[k] + ')' + (run.truncated ? '; the view holds the first ${ITEMS_VIEW_MAX_ITEMS} conflict items' : '');
  $('iv-head').innerHTML = '<tr><th class="l">item</th><th class="l">prompt</th><th class="l">context answer</th><th class="l">parametric answer</th><th class="l">step ' + run.steps[a] + '</th><th class="l">step ' + run.steps[b] + '</th></tr>';
  $('iv-body').innerHTML = rows.join('');
}
$('iv-run').innerHTML = D.runs.map((r, i) => opt(i, r.label, i === 0)).join('');
$('iv-run').addEventListener('change', fillRun);
for (const id of ['iv-a', 'iv-b', 'iv-scorer', 'iv-dir', 'iv-dataset', 'iv-category', 'iv-strategy']) $(id).addEventListener('change', draw);
fillRun();
})();`;

export const ITEMS_VIEW_STYLE = `#items-view select{margin:0 .6em .4em .2em}#items-view pre{white-space:pre-wrap;margin:0;font-size:12px;max-width:22em}
#items-view pre.prompt{max-height:9em;overflow:auto;color:#333}#items-view .lab{font-size:11px;color:#555;white-space:nowrap}#items-view .lab.main{color:#000;font-weight:bold}`;

/** The view as an HTML section (data, controls, table and script), for report.html. */
export function itemsViewHtml(data: ItemsViewData): string {
  if (data.runs.every((r) => r.items.length === 0)) return '';
  // JSON inside a script element: no "<" at all (an output "</script>" or "<!--" would end or bend it),
  // and U+2028/9 escaped for old parsers. JSON.parse reads \u003c back as "<".
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return [
    '<section id="items-view"><h2>Items that flipped</h2>',
    '<p>Conflict items that stopped (or started) following the context between two checkpoints, with the prompt, both outputs and every scorer\'s label. The default pair is the smoothed peak the verdict tests and the final checkpoint.</p>',
    '<div><label>run<select id="iv-run"></select></label><label>from<select id="iv-a"></select></label><label>to<select id="iv-b"></select></label>',
    '<label>scorer<select id="iv-scorer"></select></label><label>items that<select id="iv-dir"><option value="ctx-par" selected>stopped following the context</option><option value="par-ctx">started following it</option></select></label></div>',
    '<div><label>dataset<select id="iv-dataset"></select></label><label>category<select id="iv-category"></select></label><label>strategy<select id="iv-strategy"></select></label></div>',
    '<p id="iv-count"></p><table id="flipped-items"><thead id="iv-head"></thead><tbody id="iv-body"></tbody></table>',
    `<script type="application/json" id="items-data">${json}</script>`,
    `<script>${SCRIPT}</script></section>`,
  ].join('\n');
}
