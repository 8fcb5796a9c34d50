// Greedy decoding of one batch of left-padded prompts, with the KV cache when the graph has one: the
// generate half of a loaded checkpoint (model.ts keeps loading, encoding and scoring). onnxruntime is
// reached only through the Runtime and Session that onnx.ts hands in.
import { answerText, argmax } from './logits.ts';
import type { GraphIO } from './graph-io.ts';
import { backendProfile as prof } from './profile.ts';
import type { Runtime, Session, Tensor } from './onnx.ts';
import type { GenerateOptions, GenerateResult, ItemFailure } from './types.ts';

/** What greedy decoding needs of a loaded checkpoint. */
export interface Decoder {
  session: Session;
  runtime: Runtime;
  io: GraphIO;
  /** Feed only the new token and the cache after the first step (else the whole sequence each step). */
  useCache: boolean;
  padId: number;
  maxLength: number;
  /** Every id that ends generation. */
  stopIds: ReadonlySet<number>;
  decode(tokens: number[]): string;
}

export function failure(code: `CPI_${string}`, message: string): ItemFailure {
  return { ok: false, error: { code, message } };
}

/** The result of a finished row: its text up to the first stop string, and why it stopped. */
function finish(d: Decoder, tokens: number[], reason: 'eos' | 'stop_string' | 'max_tokens', options: GenerateOptions): GenerateResult {
  let text = answerText(d.decode(tokens));
  let stopReason = reason;
  let cut = -1;
  for (const s of options.stop) {
    const at = s ? text.indexOf(s) : -1;
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  if (cut >= 0) {
    text = text.slice(0, cut);
    stopReason = 'stop_string';
  }
  return { ok: true, text, tokenCount: tokens.length, tokenIds: [...tokens], stopReason };
}

/** Greedy answers for `prompts` (token ids, any lengths), one result per prompt in order. */
export async function greedyBatch(d: Decoder, prompts: number[][], options: GenerateOptions): Promise<GenerateResult[]> {
  const width = Math.max(...prompts.map((p) => p.length));
  let ids = prompts.map((p) => [...new Array<number>(width - p.length).fill(d.padId), ...p]);
  const mask = prompts.map((p) => [...new Array<number>(width - p.length).fill(0), ...new Array<number>(p.length).fill(1)]);
  const generated: number[][] = prompts.map(() => []);
  const done: (GenerateResult | undefined)[] = prompts.map(() => undefined);
  const maxNew = Math.min(options.maxNewTokens, d.maxLength - width);
  let past: Record<string, Tensor> | undefined;
  let full = ids.map((r) => [...r]);
  const fetches = d.useCache ? d.io.cacheFetches : ['logits'];
  // Decoding every step is only needed to look for stop strings.
  const hasStops = options.stop.some((s) => s.length > 0);
  for (let step = 0; step < maxNew; step++) {
    let mark = prof.start();
    const feeds = d.io.feeds(d.useCache ? ids : full, mask, past);
    mark = prof.add('feeds', mark);
    const out = await d.session.run(feeds, fetches);
    mark = prof.add('session.run', mark);
    const logitsTensor = out['logits']!;
    const [, steps, vocab] = logitsTensor.dims as [number, number, number];
    const logits = d.runtime.toFloat32(logitsTensor);
    mark = prof.add('logits', mark);
    if (d.useCache) past = d.io.presentsAsPast(out);
    mark = prof.add('cache', mark);
    const next: number[] = [];
    prompts.forEach((_, row) => {
      if (done[row]) return void next.push(d.padId);
      const token = argmax(logits, (row * steps + steps - 1) * vocab, vocab);
      if (token < 0) {
        done[row] = failure('CPI_NAN_LOGITS', 'the model produced NaN logits while generating');
        return void next.push(d.padId);
      }
      next.push(token);
      if (d.stopIds.has(token)) return void (done[row] = finish(d, generated[row]!, 'eos', options));
      generated[row]!.push(token);
      if (hasStops) {
        const text = answerText(d.decode(generated[row]!));
        if (options.stop.some((s) => s && text.includes(s))) done[row] = finish(d, generated[row]!, 'stop_string', options);
      }
    });
    prof.add('logits', mark);
    if (done.every(Boolean)) break;
    ids = next.map((t) => [t]);
    if (!d.useCache) full = full.map((r, row) => [...r, next[row]!]);
    for (const m of mask) m.push(1);
  }
  return done.map((r, row) => r ?? finish(d, generated[row]!, 'max_tokens', options));
}
