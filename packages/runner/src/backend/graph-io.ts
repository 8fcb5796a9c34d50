// A graph's inputs and outputs as tensors: ids, masks and positions, empty or carried KV caches, and the
// use_cache_branch flag, built from what the graph declares (GraphInfo).
import type { Runtime, Session, SessionOutputs, Tensor } from './onnx.ts';
import type { GraphInfo } from './types.ts';

export class GraphIO {
  private readonly intType: 'int64' | 'int32';

  constructor(
    readonly session: Session,
    private readonly graph: GraphInfo,
    private readonly runtime: Runtime,
  ) {
    const ids = session.inputMetadata.find((m) => m.name === 'input_ids');
    this.intType = ids?.isTensor && ids.type === 'int32' ? 'int32' : 'int64';
  }

  intTensor(values: ArrayLike<number>, dims: number[]): Tensor {
    if (this.intType === 'int32') return this.runtime.tensor('int32', Int32Array.from(values), dims);
    // Ids, masks and positions are small non-negative integers: write the low 32-bit words of the int64s
    // directly (little-endian, as on every platform onnxruntime-node ships for) instead of a BigInt each.
    const data = new BigInt64Array(values.length);
    const words = new Uint32Array(data.buffer);
    for (let i = 0; i < values.length; i++) words[2 * i] = values[i]!;
    return this.runtime.tensor('int64', data, dims);
  }

  emptyPast(batch: number): Record<string, Tensor> {
    const feeds: Record<string, Tensor> = {};
    const dims = [batch, this.graph.numKeyValueHeads, 0, this.graph.headDim];
    for (let l = 0; l < this.graph.numLayers; l++) {
      for (const kv of ['key', 'value']) {
        feeds[`past_key_values.${l}.${kv}`] =
          this.graph.dtype === 'fp16' ? this.runtime.tensor('float16', new Uint16Array(0), dims) : this.runtime.tensor('float32', new Float32Array(0), dims);
      }
    }
    return feeds;
  }

  /** Position ids from the attention mask: padding (left or right) does not shift a row's positions. */
  positions(mask: number[][], pastLength: number): number[] {
    const out: number[] = [];
    for (const row of mask) {
      let seen = 0;
      for (let t = 0; t < row.length; t++) {
        if (t >= pastLength) out.push(Math.max(0, seen + (row[t] ? 1 : 0) - 1));
        seen += row[t] ? 1 : 0;
      }
    }
    return out;
  }

  feeds(ids: number[][], mask: number[][], past: Record<string, Tensor> | undefined): Record<string, Tensor> {
    const batch = ids.length;
    const steps = ids[0]?.length ?? 0;
    const pastLength = (mask[0]?.length ?? 0) - steps;
    const feeds: Record<string, Tensor> = {
      input_ids: this.intTensor(ids.flat(), [batch, steps]),
      attention_mask: this.intTensor(mask.flat(), [batch, mask[0]?.length ?? 0]),
    };
    if (this.graph.hasPositionIds) feeds['position_ids'] = this.intTensor(this.positions(mask, pastLength), [batch, steps]);
    if (this.graph.hasPastKeyValues) Object.assign(feeds, past ?? this.emptyPast(batch));
    if (this.graph.hasCacheBranch) feeds['use_cache_branch'] = this.runtime.tensor('bool', new Uint8Array([past ? 1 : 0]), [1]);
    return feeds;
  }

  /** One full pass without a cache; returns the logits tensor [B, T, V]. */
  async forward(ids: number[][], mask: number[][]): Promise<Tensor> {
    const out = await this.session.run(this.feeds(ids, mask, undefined), ['logits']);
    return out['logits']!;
  }

  get cacheFetches(): string[] {
    return this.session.outputNames.filter((n) => n === 'logits' || n.startsWith('present'));
  }

  /** Copies rows of a pass's present.* tensors into past_key_values.* for a new batch (one source row per new row). */
  tilePast(out: SessionOutputs, sourceRows: readonly number[]): Record<string, Tensor> {
    const past: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(out)) {
      if (!name.startsWith('present')) continue;
      const t = value as Tensor;
      const [, heads, length, dim] = t.dims as [number, number, number, number];
      const rowSize = heads * length * dim;
      const src = t.data as Float32Array | Uint16Array;
      const dst = src instanceof Uint16Array ? new Uint16Array(sourceRows.length * rowSize) : new Float32Array(sourceRows.length * rowSize);
      sourceRows.forEach((s, r) => dst.set(src.subarray(s * rowSize, (s + 1) * rowSize), r * rowSize));
      past[name.replace(/^present/, 'past_key_values')] = this.runtime.tensor(t.type as 'float32', dst, [sourceRows.length, heads, length, dim]);
    }
    return past;
  }

  presentsAsPast(out: SessionOutputs): Record<string, Tensor> {
    const past: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(out)) {
      if (name.startsWith('present')) past[name.replace(/^present/, 'past_key_values')] = value as Tensor;
    }
    return past;
  }
}
