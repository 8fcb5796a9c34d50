// The plan of a run (pure): items x checkpoints x modes -> jobs, each with the rendered request and the key
// of exactly what will be computed. The executor (execute.ts) and the store (io/store.ts) work from it.
import { getPromptTemplate, promptTemplates, renderPrompt } from '@cpi-bench/generator';
import { CpiError, isCpiError, sha256, validate, type ConflictItem, type PromptTemplate } from '@cpi-bench/schemas';
import type { ResolvedCheckpoint } from './io/checkpoints.ts';
import { itemHash, predictionKey, stableStringify, type ModelRequest } from './keys.ts';
import { candidatesOf, continuationOf, type Candidate } from './records.ts';

/** One prediction to make: an item at one checkpoint in one mode. */
export interface Job {
  item: ConflictItem;
  key: string;
  request: ModelRequest;
  /** Score mode: the candidate answers, in the order of `request.continuations`. */
  candidates: Candidate[];
  /** The rendered prompt's id in prompts.jsonl (absent when it did not render). */
  promptId?: string;
}

export interface CheckpointPlan {
  checkpoint: ResolvedCheckpoint;
  modes: { mode: 'score' | 'generate'; jobs: Job[] }[];
}

export interface GenerationSettings {
  maxNewTokens: number;
  stop: readonly string[];
}

/** What a checkpoint gives the prompt template (chat templates and their special tokens). */
export function renderOptions(cp: ResolvedCheckpoint): { chatTemplate?: string; bosToken?: string; eosToken?: string } {
  return {
    ...(cp.chatTemplate !== undefined ? { chatTemplate: cp.chatTemplate } : {}),
    ...(cp.bosToken !== undefined ? { bosToken: cp.bosToken } : {}),
    ...(cp.eosToken !== undefined ? { eosToken: cp.eosToken } : {}),
  };
}

type Rendered = { prompt: string } | { prompt: null; renderError: string };

const promptIds = new Map<string, string>();
/** A prompt's id in prompts.jsonl: a short hash of its text, so checkpoints that render it alike share it. */
export function promptIdOf(prompt: string): string {
  let id = promptIds.get(prompt);
  if (id === undefined) {
    id = sha256(prompt).slice(0, 16);
    if (promptIds.size > 200_000) promptIds.clear();
    promptIds.set(prompt, id);
  }
  return id;
}

/** Every distinct prompt of a plan, by id. */
export function planPrompts(plan: readonly CheckpointPlan[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const { modes } of plan) for (const { jobs } of modes) for (const j of jobs) if (j.promptId !== undefined && j.request.prompt !== null) out.set(j.promptId, j.request.prompt);
  return out;
}

/**
 * Every job of a run, checkpoint by checkpoint. Prompts are rendered once per distinct chat template (most
 * series share one), and each key hashes the rendered prompt, so an edited template or continuation rule
 * is recomputed even under its old id.
 */
export function planRun(
  checkpoints: readonly ResolvedCheckpoint[],
  items: readonly ConflictItem[],
  template: PromptTemplate,
  modes: readonly ('score' | 'generate')[],
  generation: GenerationSettings,
): CheckpointPlan[] {
  const hashes = items.map((i) => itemHash(i));
  // A chat template writes its own special tokens (BOS) into the prompt: encoding must not add them again.
  const addSpecialTokens = template.format !== 'chat-template';
  const candidates = items.map((i) => candidatesOf(i));
  const renderedBy = new Map<string, Rendered[]>();
  const renderAll = (cp: ResolvedCheckpoint): Rendered[] => {
    const id = stableStringify(renderOptions(cp));
    let rendered = renderedBy.get(id);
    if (!rendered) {
      rendered = items.map((item) => {
        try {
          return { prompt: renderPrompt(template, item, renderOptions(cp)) };
        } catch (error) {
          if (!isCpiError(error)) throw error;
          return { prompt: null, renderError: `${error.code}: ${error.message}` };
        }
      });
      renderedBy.set(id, rendered);
    }
    return rendered;
  };
  return checkpoints.map((checkpoint) => {
    const rendered = renderAll(checkpoint);
    return {
      checkpoint,
      modes: modes.map((mode) => ({
        mode,
        jobs: items.map((item, i): Job => {
          const r = rendered[i]!;
          const request: ModelRequest =
            r.prompt === null
              ? { mode, prompt: null, renderError: r.renderError }
              : mode === 'score'
                ? { mode, prompt: r.prompt, addSpecialTokens, continuations: candidates[i]!.map((c) => continuationOf(c.text)) }
                : { mode, prompt: r.prompt, addSpecialTokens, maxNewTokens: generation.maxNewTokens, stop: [...generation.stop] };
          const key = predictionKey({
            modelHash: checkpoint.manifest.modelHash,
            tokenizerHash: checkpoint.manifest.tokenizerHash,
            itemId: item.id,
            itemHash: hashes[i]!,
            request,
          });
          return { item, key, request, candidates: candidates[i]!, ...(r.prompt !== null ? { promptId: promptIdOf(r.prompt) } : {}) };
        }),
      })),
    };
  });
}

/** The template a run renders: a built-in by id, or a run file's custom one. */
export function resolveTemplate(spec: string | PromptTemplate): PromptTemplate {
  return typeof spec === 'string' ? getPromptTemplate(spec) : customTemplate(spec);
}

/** A custom template (a run file's): valid, and not under a built-in's id, which would confuse runs and reports. */
function customTemplate(t: PromptTemplate): PromptTemplate {
  if (promptTemplates.some((b) => b.id === t.id)) {
    throw new CpiError('CPI_TEMPLATE_ID_TAKEN', `a custom template cannot take the built-in id "${t.id}"`, { hint: 'give it an id of its own (npx run templates lists the built-in ones)' });
  }
  return validate('promptTemplate', t);
}
