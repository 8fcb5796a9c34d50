// Builds the GPT-2 decoder as an ONNX ModelProto (opset 17, IR 8) with Optimum's input/output names, so
// onnxruntime and transformers.js treat it like a real export. Pure: values in, bytes out.
import onnxProto from 'onnx-proto';
import { CpiError } from '@cpi-bench/schemas';
import { checkWeights, weightShapes, type Gpt2Config, type Gpt2LayerWeights, type Gpt2Weights } from './model.ts';
import { toHalfArray } from './fp16.ts';
import { DEFAULT_VARIANT, type ExportVariant } from './variant.ts';

const { onnx } = onnxProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type INodeProto = onnxProto.onnx.INodeProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

export const OPSET = 17;
export const IR_VERSION = 8;
const INT64_MAX = 9223372036854775807n;
/** Added to masked attention scores. Finite, so a fully masked row (a left-pad query) gives a uniform softmax, not NaN. */
const MASK_VALUE = -1e9;

/** The bytes of one exported graph, and of its external weights when the variant asks for them. */
export interface Gpt2OnnxModel {
  graph: Uint8Array;
  /** Contents of `<graph file>_data`, present only with `externalData`. */
  externalData?: Uint8Array;
  /** The file name the graph's tensors point at (relative to the graph). */
  externalDataFile?: string;
}

type Attr = number | bigint | number[] | string | { floats: number[] } | { float: number };

function bytesOf(view: ArrayBufferView): Uint8Array {
  // ONNX raw_data is little-endian, as the typed arrays are on every platform Node runs this on (x64, arm64).
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/** A tiny graph assembler: unique, deterministic value names and typed initializers. */
class GraphBuilder {
  readonly nodes: INodeProto[] = [];
  readonly initializers: ITensorProto[] = [];
  private counter = 0;
  private readonly constants = new Map<string, string>();

  fresh(prefix: string): string {
    return `/${prefix}_${this.counter++}`;
  }

  initializer(name: string, dataType: number, dims: number[], raw: Uint8Array): string {
    this.initializers.push({ name, dataType, dims, rawData: raw });
    return name;
  }

  /** An int64 constant, shared by value. */
  i64(values: (number | bigint)[], dims: number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    const hit = this.constants.get(key);
    if (hit) return hit;
    const name = `const_i64_${this.constants.size}`;
    this.initializer(name, T.INT64, dims, bytesOf(BigInt64Array.from(values.map((v) => BigInt(v)))));
    this.constants.set(key, name);
    return name;
  }

  /** A float32 scalar constant, shared by value. */
  f32(value: number): string {
    const key = `f32:${value}`;
    const hit = this.constants.get(key);
    if (hit) return hit;
    const name = `const_f32_${this.constants.size}`;
    this.initializer(name, T.FLOAT, [], bytesOf(Float32Array.of(value)));
    this.constants.set(key, name);
    return name;
  }

  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs: string[] = [this.fresh(op)]): string {
    const attribute: IAttributeProto[] = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
      if (typeof v === 'number' || typeof v === 'bigint') return { name, type: A.INT, i: Number(v) };
      if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
      if ('float' in v) return { name, type: A.FLOAT, f: v.float };
      return { name, type: A.FLOATS, floats: v.floats };
    });
    this.nodes.push({ opType: op, name: `${op}_${this.nodes.length}`, input: inputs, output: outputs, attribute });
    return outputs[0]!;
  }

  /** Same as `node`, for ops with several outputs. */
  multi(op: string, inputs: string[], count: number, attrs: Record<string, Attr> = {}): string[] {
    const outputs = Array.from({ length: count }, () => this.fresh(op));
    this.node(op, inputs, attrs, outputs);
    return outputs;
  }
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Hugging Face parameter names, so a reader of the graph recognises the tensors. */
const LAYER_NAMES: Record<keyof Gpt2LayerWeights, string> = {
  ln1Gamma: 'ln_1.weight', ln1Beta: 'ln_1.bias', qkvWeight: 'attn.c_attn.weight', qkvBias: 'attn.c_attn.bias',
  projWeight: 'attn.c_proj.weight', projBias: 'attn.c_proj.bias', ln2Gamma: 'ln_2.weight', ln2Beta: 'ln_2.bias',
  fcWeight: 'mlp.c_fc.weight', fcBias: 'mlp.c_fc.bias', fcProjWeight: 'mlp.c_proj.weight', fcProjBias: 'mlp.c_proj.bias',
};

/** Checks a variant's fields and fills in the defaults; throws `CPI_ONNX_GPT2_BAD_VARIANT`. */
export function resolveVariant(variant: Partial<ExportVariant> = {}): ExportVariant {
  const v: ExportVariant = { ...DEFAULT_VARIANT, ...variant };
  const bad = (pointer: string, message: string): never => {
    throw new CpiError('CPI_ONNX_GPT2_BAD_VARIANT', message, { pointer });
  };
  if (!['model.onnx', 'decoder_model_merged.onnx', 'onnx/model.onnx'].includes(v.graphFile)) bad('/graphFile', `unknown graphFile ${String(v.graphFile)}`);
  if (v.dtype !== 'fp32' && v.dtype !== 'fp16') bad('/dtype', `dtype must be 'fp32' or 'fp16', got ${String(v.dtype)}`);
  if (v.cacheBranch && !v.withPast) bad('/cacheBranch', 'cacheBranch (use_cache_branch) needs withPast: the branch selects whether the past inputs are used');
  return v;
}

/**
 * Encodes a GPT-2 decoder as ONNX. Inputs: `input_ids` [B,S] int64, `attention_mask` [B,P+S] int64, optional
 * `position_ids` [B,S] int64, `past_key_values.{i}.key/value` [B,kvH,P,hd], optional `use_cache_branch` bool [1].
 * Outputs: `logits` [B,S,V] and `present.{i}.key/value` [B,kvH,P+S,hd].
 */
export function buildGpt2Onnx(config: Gpt2Config, weights: Gpt2Weights, variantIn: Partial<ExportVariant> = {}): Gpt2OnnxModel {
  const dims = checkWeights(config, weights);
  const variant = resolveVariant(variantIn);
  const g = new GraphBuilder();
  const fp16 = variant.dtype === 'fp16';
  const ioType = fp16 ? T.FLOAT16 : T.FLOAT;

  /** Stores a weight (fp16 or fp32) and returns the name of its float32 value inside the graph. */
  const weight = (name: string, data: Float32Array, shape: number[]): string => {
    if (!fp16) return g.initializer(name, T.FLOAT, shape, bytesOf(data));
    g.initializer(name, T.FLOAT16, shape, bytesOf(toHalfArray(data)));
    // Compute stays float32: CPU kernels for fp16 MatMul/LayerNorm are missing or slow, and ORT folds this Cast once at load.
    return g.node('Cast', [name], { to: T.FLOAT }, [`${name}.fp32`]);
  };
  const toIo = (name: string, out: string): string => (fp16 ? g.node('Cast', [name], { to: T.FLOAT16 }, [out]) : g.node('Identity', [name], {}, [out]));
  const fromIo = (name: string): string => (fp16 ? g.node('Cast', [name], { to: T.FLOAT }) : name);

  const { D, H, kvH, hd, V, eps } = dims;
  const inputs: IValueInfoProto[] = [
    valueInfo('input_ids', T.INT64, ['batch_size', 'sequence_length']),
    valueInfo('attention_mask', T.INT64, ['batch_size', 'total_sequence_length']),
  ];
  if (variant.positionIds) inputs.push(valueInfo('position_ids', T.INT64, ['batch_size', 'sequence_length']));
  const outputs: IValueInfoProto[] = [valueInfo('logits', ioType, ['batch_size', 'sequence_length', V])];

  const wte = weight('transformer.wte.weight', weights.wte, [V, D]);
  const wpe = weight('transformer.wpe.weight', weights.wpe, [dims.P, D]);

  // The past each layer attends to. With use_cache_branch false the past inputs are ignored (sliced to length 0):
  // this is how Optimum's merged decoder runs the first step with dummy past tensors.
  const pasts: { key: string; value: string }[] = [];
  if (variant.withPast) {
    let pastEnd: string | undefined;
    if (variant.cacheBranch) {
      inputs.push(valueInfo('use_cache_branch', T.BOOL, [1]));
      pastEnd = g.node('Where', ['use_cache_branch', g.i64([INT64_MAX]), g.i64([0])]);
    }
    for (let i = 0; i < dims.L; i++) {
      const entry = { key: '', value: '' };
      for (const kind of ['key', 'value'] as const) {
        const name = `past_key_values.${i}.${kind}`;
        inputs.push(valueInfo(name, ioType, ['batch_size', kvH, 'past_sequence_length', hd]));
        outputs.push(valueInfo(`present.${i}.${kind}`, ioType, ['batch_size', kvH, 'total_sequence_length', hd]));
        let past = fromIo(name);
        if (pastEnd) past = g.node('Slice', [past, g.i64([0]), pastEnd, g.i64([2])]);
        entry[kind] = past;
      }
      pasts.push(entry);
    }
  }

  // Lengths as int64 [1]: S (new tokens), P (past), T = P + S.
  const seqLen = g.node('Shape', ['input_ids'], { start: 1, end: 2 });
  const pastLen = pasts[0] ? g.node('Shape', [pasts[0].key], { start: 2, end: 3 }) : g.i64([0]);
  const totalLen = g.node('Add', [pastLen, seqLen]);
  // Use the last T mask columns: with the cache branch off, a mask that still covers dummy past positions is fine.
  const mask = variant.cacheBranch
    ? g.node('Slice', ['attention_mask', g.node('Neg', [totalLen]), g.i64([INT64_MAX]), g.i64([1])])
    : 'attention_mask';

  // Positions: given, or (as transformers does) cumsum(mask) - 1 clipped at 0, so left padding does not shift them.
  let positions = 'position_ids';
  if (!variant.positionIds) {
    const cumsum = g.node('CumSum', [mask, g.i64([1], [])]);
    const all = g.node('Max', [g.node('Sub', [cumsum, g.i64([1], [])]), g.i64([0], [])]);
    positions = g.node('Slice', [all, pastLen, g.i64([INT64_MAX]), g.i64([1])]);
  }
  let h = g.node('Add', [g.node('Gather', [wte, 'input_ids'], { axis: 0 }), g.node('Gather', [wpe, positions], { axis: 0 })]);

  // Additive attention bias [B,1,S,T]: key j is visible to query i (absolute position P+i) iff j <= P+i and mask[j] = 1.
  const scalar = (x: string): string => g.node('Squeeze', [x, g.i64([0])]);
  const one = g.i64([1], []);
  const queryPos = g.node('Unsqueeze', [g.node('Range', [scalar(pastLen), scalar(totalLen), one]), g.i64([1])]);
  const keyPos = g.node('Range', [g.i64([0], []), scalar(totalLen), one]);
  const causal = g.node('LessOrEqual', [keyPos, queryPos]);
  const padding = g.node('Unsqueeze', [g.node('Cast', [mask], { to: T.BOOL }), g.i64([1, 2])]);
  const bias = g.node('Where', [g.node('And', [causal, padding]), g.f32(0), g.f32(MASK_VALUE)]);

  const splitSizes = g.i64([D, dims.kvDim, dims.kvDim]);
  const scale = g.f32(1 / Math.sqrt(hd));
  const heads = (x: string, n: number): string => g.node('Transpose', [g.node('Reshape', [x, g.i64([0, 0, n, hd])])], { perm: [0, 2, 1, 3] });
  // Grouped-query attention: each cached head serves H/kvH consecutive query heads (Hugging Face's repeat_kv).
  const repeatKv = (x: string): string => kvH === H ? x
    : g.node('Reshape', [g.node('Tile', [g.node('Unsqueeze', [x, g.i64([2])]), g.i64([1, 1, H / kvH, 1, 1])]), g.i64([0, H, -1, hd])]);
  const linear = (x: string, w: string, b: string): string => g.node('Add', [g.node('MatMul', [x, w]), b]);

  const shapes = weightShapes(dims);
  weights.layers.forEach((layer, i) => {
    const w = {} as Record<keyof Gpt2LayerWeights, string>;
    for (const key of Object.keys(LAYER_NAMES) as (keyof Gpt2LayerWeights)[]) {
      const shape = shapes.layer[key];
      w[key] = weight(`transformer.h.${i}.${LAYER_NAMES[key]}`, layer[key], shape);
    }
    const x = g.node('LayerNormalization', [h, w.ln1Gamma, w.ln1Beta], { axis: -1, epsilon: { float: eps } });
    const [q, k, v] = g.multi('Split', [linear(x, w.qkvWeight, w.qkvBias), splitSizes], 3, { axis: 2 }) as [string, string, string];
    let key = heads(k, kvH);
    let value = heads(v, kvH);
    const past = pasts[i];
    if (past) {
      key = g.node('Concat', [past.key, key], { axis: 2 });
      value = g.node('Concat', [past.value, value], { axis: 2 });
      toIo(key, `present.${i}.key`);
      toIo(value, `present.${i}.value`);
    }
    const scores = g.node('Mul', [g.node('MatMul', [heads(q, H), g.node('Transpose', [repeatKv(key)], { perm: [0, 1, 3, 2] })]), scale]);
    const probs = g.node('Softmax', [g.node('Add', [scores, bias])], { axis: -1 });
    const context = g.node('Transpose', [g.node('MatMul', [probs, repeatKv(value)])], { perm: [0, 2, 1, 3] });
    h = g.node('Add', [h, linear(g.node('Reshape', [context, g.i64([0, 0, D])]), w.projWeight, w.projBias)]);

    const x2 = g.node('LayerNormalization', [h, w.ln2Gamma, w.ln2Beta], { axis: -1, epsilon: { float: eps } });
    const fc = linear(x2, w.fcWeight, w.fcBias);
    // gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    const cube = g.node('Mul', [g.node('Mul', [fc, fc]), fc]);
    const inner = g.node('Mul', [g.node('Add', [fc, g.node('Mul', [cube, g.f32(0.044715)])]), g.f32(Math.sqrt(2 / Math.PI))]);
    const gelu = g.node('Mul', [g.node('Mul', [fc, g.f32(0.5)]), g.node('Add', [g.node('Tanh', [inner]), g.f32(1)])]);
    h = g.node('Add', [h, linear(gelu, w.fcProjWeight, w.fcProjBias)]);
  });

  const lnfGamma = weight('transformer.ln_f.weight', weights.lnfGamma, [D]);
  const lnfBeta = weight('transformer.ln_f.bias', weights.lnfBeta, [D]);
  const final = g.node('LayerNormalization', [h, lnfGamma, lnfBeta], { axis: -1, epsilon: { float: eps } });
  // The LM head is tied to wte: logits = h @ wte^T. ORT folds the constant Transpose once at load.
  toIo(g.node('MatMul', [final, g.node('Transpose', [wte], { perm: [1, 0] })]), 'logits');

  // Outputs first in Optimum's order: logits, then present.{i}.key/value.
  const graph = { name: 'gpt2', node: g.nodes, initializer: g.initializers, input: inputs, output: outputs };
  const model = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'cpi-bench onnx-gpt2',
    producerVersion: '0.1.0',
    graph,
  };
  if (!variant.externalData) return { graph: onnx.ModelProto.encode(model).finish() };

  const dataFile = `${variant.graphFile.split('/').pop()!}_data`;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const tensor of g.initializers) {
    const raw = tensor.rawData!;
    // Only weights go outside; small shape constants stay inline, as the onnx library does (size threshold).
    if (raw.length < 1024) continue;
    // Align each tensor to 64 bytes (onnx's external-data writer aligns too; it lets a reader map tensors directly).
    const pad = (64 - (offset % 64)) % 64;
    if (pad) chunks.push(new Uint8Array(pad));
    offset += pad;
    tensor.externalData = [
      { key: 'location', value: dataFile },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.length) },
    ];
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    delete tensor.rawData;
    chunks.push(raw);
    offset += raw.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { graph: onnx.ModelProto.encode(model).finish(), externalData: data, externalDataFile: dataFile };
}
