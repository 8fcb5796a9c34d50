// The one module in cpi-bench that imports onnxruntime-node and @huggingface/transformers (a repo test holds
// this). It loads a checkpoint (one session + its tokenizer), checks its graph, and hands both to the model
// class (model.ts), which answers batched score/generate requests.
import { dirname, basename, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { Float16Array } from '@petamoriken/float16';
import { CpiError } from '@cpi-bench/schemas';
import { decodeFallbackBytes } from './logits.ts';
import { OnnxLanguageModel } from './model.ts';
import type { CheckpointFiles, DeviceChoice, GraphInfo, LanguageModel, LoadModelOptions } from './types.ts';

export type { CheckpointFiles } from './types.ts';

export type Tokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
export type Tensor = ort.Tensor;
export type Session = ort.InferenceSession;
export type SessionOutputs = ort.InferenceSession.OnnxValueMapType;

/** What the model class needs from onnxruntime, handed to it so that this file stays the one binding. */
export interface Runtime {
  tensor(type: 'int64' | 'int32' | 'float32' | 'float16' | 'bool', data: BigInt64Array | Int32Array | Float32Array | Uint16Array | Uint8Array, dims: readonly number[]): Tensor;
  toFloat32(t: Tensor): Float32Array;
}

const runtime: Runtime = {
  tensor: (type, data, dims) => new ort.Tensor(type, data as Float32Array, dims),
  toFloat32: (t) => toFloat32(t),
};

// The CUDA probe's failure is reported in one line by the runner; keep onnxruntime's native log for fatal errors.
ort.env.logLevel = 'fatal';

// onnxruntime-node throws when the CUDA provider cannot load; remember why, so `auto` tries once per process.
let cudaUnavailable: string | undefined;

/** Loads a checkpoint: its tokenizer, its session (on the chosen device) and a two-token probe run. */
export async function loadOnnxModel(checkpoint: CheckpointFiles, options: LoadModelOptions): Promise<LanguageModel> {
  const tokenizer = await loadTokenizer(checkpoint.dir);
  const graphPath = join(checkpoint.dir, checkpoint.graphFile);
  const { session, device } = await createSession(graphPath, options);
  try {
    const graph = describeGraph(session, checkpoint, graphPath);
    const model = new OnnxLanguageModel(session, tokenizer, graph, device, checkpoint, runtime);
    await model.probe(graphPath);
    if (model.graph.lastPositionOnly && options.modes?.includes('score')) {
      throw new CpiError('CPI_GRAPH_LAST_POSITION_ONLY', 'the graph returns logits for the last position only (an export with a pruned LM head): score mode needs every position', {
        file: graphPath,
        hint: 're-export without prune_lm_head (onnxruntime-genai builder: drop --extra_options prune_lm_head=true), or run --mode generate',
      });
    }
    return model;
  } catch (error) {
    await session.release();
    throw error;
  }
}

async function loadTokenizer(dir: string): Promise<Tokenizer> {
  // Local files only: no code path may reach the network.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  env.localModelPath = dirname(dir) + '/';
  try {
    const tokenizer = await AutoTokenizer.from_pretrained(basename(dir), { local_files_only: true });
    patchByteFallback(tokenizer);
    return tokenizer;
  } catch (error) {
    throw new CpiError('CPI_CHECKPOINT_BAD_TOKENIZER', `cannot load the tokenizer: ${(error as Error).message}`, {
      file: join(dir, 'tokenizer.json'),
      hint: 'a checkpoint needs a Hugging Face tokenizer.json and tokenizer_config.json beside config.json',
      cause: error,
    });
  }
}

/**
 * transformers.js decodes a run of byte-fallback tokens with a lossy TextDecoder; Hugging Face `tokenizers`
 * gives one U+FFFD per byte of an invalid run. Its ByteFallback decoders (found by their `text_decoder`)
 * get a decoder that does what `tokenizers` does, so decoded text equals Hugging Face's.
 */
function patchByteFallback(root: unknown): void {
  // Breadth first over the tokenizer's own objects, a few levels deep (tokenizer -> _tokenizer -> decoder -> decoders).
  const seen = new Set<unknown>([root]);
  let level: unknown[] = [root];
  for (let depth = 0; depth < 5 && level.length > 0; depth++) {
    const next: unknown[] = [];
    for (const o of level) {
      const rec = o as Record<string, unknown>;
      // By constructor name, not instanceof: under a test runner the library may hold another realm's TextDecoder.
      const td = rec['text_decoder'] as { constructor?: { name?: string } } | undefined;
      if (td?.constructor?.name === 'TextDecoder' && typeof rec['decode_chain'] === 'function') {
        rec['text_decoder'] = { decode: (bytes: Uint8Array) => decodeFallbackBytes(bytes) };
      }
      for (const v of Array.isArray(o) ? o : Object.values(rec)) {
        // Decoders are callable objects (functions), so functions are walked too.
        if ((typeof v === 'object' || typeof v === 'function') && v !== null && !seen.has(v) && !ArrayBuffer.isView(v)) {
          seen.add(v);
          next.push(v);
        }
      }
    }
    level = next;
  }
}

function sessionOptions(provider: 'cpu' | 'cuda', threads: number | undefined): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(threads !== undefined ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  };
}

async function createSession(graphPath: string, options: LoadModelOptions): Promise<{ session: ort.InferenceSession; device: 'cpu' | 'cuda' }> {
  const want: DeviceChoice = options.device;
  if (want === 'cuda' || (want === 'auto' && cudaUnavailable === undefined)) {
    try {
      return { session: await ort.InferenceSession.create(graphPath, sessionOptions('cuda', options.threads)), device: 'cuda' };
    } catch (error) {
      const why = firstLine((error as Error).message);
      if (!isProviderError(why)) throw corruptGraph(graphPath, error);
      if (want === 'cuda') {
        throw new CpiError('CPI_CUDA_UNAVAILABLE', `onnxruntime-node cannot use CUDA: ${why}`, {
          hint: 'install the CUDA execution provider (see README, "Offline install, and CUDA") or use --device cpu or auto',
          cause: error,
        });
      }
      cudaUnavailable = why;
      options.onNotice?.(`CUDA unavailable (${why}); using the CPU`);
    }
  }
  try {
    return { session: await ort.InferenceSession.create(graphPath, sessionOptions('cpu', options.threads)), device: 'cpu' };
  } catch (error) {
    throw corruptGraph(graphPath, error);
  }
}

function isProviderError(message: string): boolean {
  return /cuda|execution provider|providers_shared|shared library|backend/i.test(message);
}

function corruptGraph(graphPath: string, error: unknown): CpiError {
  // ONNX TensorProto type 16 is bfloat16: onnxruntime-node cannot describe or hand such inputs to JavaScript.
  if (/Unsupported data type: 16\b/.test((error as Error).message)) return bf16Graph(graphPath, 'inputs or outputs');
  return new CpiError('CPI_CHECKPOINT_CORRUPT', `onnxruntime cannot load the graph: ${firstLine((error as Error).message)}`, {
    file: graphPath,
    hint: 're-export the checkpoint; a truncated copy or a missing model.onnx_data beside the graph causes this',
    cause: error,
  });
}

function bf16Graph(graphPath: string, what: string): CpiError {
  return new CpiError('CPI_GRAPH_UNSUPPORTED', `the graph's ${what} are bfloat16 (a bf16 KV cache), which onnxruntime-node cannot hand to JavaScript`, {
    file: graphPath,
    hint: 're-export with fp16 or fp32 caches (onnxruntime-genai builder: -p fp16 or -p fp32; Optimum: --dtype fp16)',
  });
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).slice(0, 300);
}

const PAST_RE = /^past_key_values\.(\d+)\.(key|value)$/;

function describeGraph(session: ort.InferenceSession, cp: CheckpointFiles, graphPath: string): GraphInfo {
  if (!session.outputNames.includes('logits')) {
    throw new CpiError('CPI_GRAPH_NO_LOGITS', `the graph has no "logits" output (outputs: ${session.outputNames.join(', ')})`, {
      file: graphPath,
      hint: 'export a causal-LM graph (Optimum task text-generation or text-generation-with-past)',
    });
  }
  for (const name of ['input_ids', 'attention_mask']) {
    if (!session.inputNames.includes(name)) {
      throw new CpiError('CPI_GRAPH_UNSUPPORTED', `the graph has no "${name}" input (inputs: ${session.inputNames.join(', ')})`, { file: graphPath });
    }
  }
  const past = session.inputMetadata.filter((m) => PAST_RE.test(m.name));
  const bf16 = [...past, ...session.outputMetadata].find((m) => m.isTensor && m.type === ('bfloat16' as string));
  if (bf16) throw bf16Graph(graphPath, bf16.name);
  let dtype: 'fp32' | 'fp16' = 'fp32';
  let kvHeads = cp.config.numKeyValueHeads;
  let headDim = cp.config.headDim;
  const first = past[0];
  if (first?.isTensor) {
    if (first.type === 'float16') dtype = 'fp16';
    // Trust the graph's own numeric dims over config.json where it declares them.
    if (typeof first.shape[1] === 'number') kvHeads = first.shape[1];
    if (typeof first.shape[3] === 'number') headDim = first.shape[3];
  } else {
    const logits = session.outputMetadata.find((m) => m.name === 'logits');
    if (logits?.isTensor && logits.type === 'float16') dtype = 'fp16';
  }
  const logitsMeta = session.outputMetadata.find((m) => m.name === 'logits');
  const declaredVocab = logitsMeta?.isTensor ? logitsMeta.shape[2] : undefined;
  return {
    file: cp.graphFile,
    hasPastKeyValues: past.length > 0,
    hasCacheBranch: session.inputNames.includes('use_cache_branch'),
    hasPositionIds: session.inputNames.includes('position_ids'),
    externalData: cp.externalData,
    numLayers: past.length > 0 ? past.length / 2 : cp.config.numLayers,
    numKeyValueHeads: kvHeads,
    headDim,
    dtype,
    vocabSize: typeof declaredVocab === 'number' ? declaredVocab : cp.config.vocabSize,
    // A declared sequence dim of 1 marks a pruned LM head; the probe also checks what the graph returns.
    lastPositionOnly: logitsMeta?.isTensor === true && logitsMeta.shape[1] === 1,
  };
}

function toFloat32(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const src = t.data as ArrayLike<number>;
    const out = new Float32Array(src.length);
    // onnxruntime-node hands float16 back as raw Uint16 bits (Node 20 has no Float16Array).
    // Decoded by @petamoriken/float16's Float16Array (a view of the same bits), not a hand-written decoder.
    if (src instanceof Uint16Array) out.set(Float32Array.from(new Float16Array(src.buffer, src.byteOffset, src.length)));
    else for (let i = 0; i < src.length; i++) out[i] = src[i]!;
    return out;
  }
  throw new CpiError('CPI_GRAPH_UNSUPPORTED', `logits of type ${t.type} are not supported`);
}

/** Whether `auto` has already found CUDA unusable in this process, and why. */
export function cudaFallbackReason(): string | undefined {
  return cudaUnavailable;
}
