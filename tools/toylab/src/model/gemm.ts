// The trainer's matrix product, C (+)= A @ B over row-major float32 matrices, as a WebAssembly SIMD kernel
// assembled here from readable opcodes (no binary is downloaded or committed). Hand-written because no
// maintained numeric library trains offline on Node fast enough (tfjs-wasm runs this model at ~4 steps/s,
// stack.md); SIMD f32x4 lanes are where the speed over plain JS loops comes from.

// --- a minimal WebAssembly binary writer: just what the one kernel needs ---

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) { out.push(byte); return out; }
    out.push(byte | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

const I32 = 0x7f, V128 = 0x7b, VOID = 0x40;
const get = (l: number): number[] => [0x20, ...uleb(l)];
const set = (l: number): number[] => [0x21, ...uleb(l)];
const i32 = (v: number): number[] => [0x41, ...sleb(v)];
const add = [0x6a], mul = [0x6c], shl = [0x74], geU = [0x4f], ltU = [0x49];
const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];
/** v128.load / v128.store with a byte offset (alignment hint 4 bytes: rows need not be 16-byte aligned). */
const vload = (offset: number): number[] => simd(0x00, 2, ...uleb(offset));
const vstore = (offset: number): number[] => simd(0x0b, 2, ...uleb(offset));
const f32load = [0x2a, 2, 0];
const splat = simd(0x13), fadd = simd(0xe4), fmul = simd(0xe6);
const vzero = simd(0x0c, ...new Array<number>(16).fill(0));
/** `block { loop { if (cond) break; body; continue } }`, with `exitIf` computing the break condition. */
const whileNot = (exitIf: number[], body: number[]): number[] => [0x02, VOID, 0x03, VOID, ...exitIf, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];

// gemm(a, b, c, m, k, n, accumulate): byte pointers; n must be a multiple of 16 (Gemm.run pads).
const [A, B, C, M, K, N, ACC] = [0, 1, 2, 3, 4, 5, 6];
const [I, J, R0A, R1A, R0C, R1C, AP0, AP1, BP, AEND, NB, KB] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
const X0 = 19, X1 = 23, S0 = 27, S1 = 28, BV = 29; // x0[0..3], x1[0..3]: the 2 x 16 output block
const LOCALS = [[12, I32], [11, V128]];

/** One step of the inner loop for column lane q: bv = B[p, j+4q..]; x0q += s0*bv; x1q += s1*bv. */
const lane = (q: number): number[] => [
  ...get(BP), ...vload(16 * q), ...set(BV),
  ...get(X0 + q), ...get(S0), ...get(BV), ...fmul, ...fadd, ...set(X0 + q),
  ...get(X1 + q), ...get(S1), ...get(BV), ...fmul, ...fadd, ...set(X1 + q),
];
const q4 = [0, 1, 2, 3];

const GEMM_BODY: number[] = [
  ...get(N), ...i32(2), ...shl, ...set(NB),
  ...get(K), ...i32(2), ...shl, ...set(KB),
  ...i32(0), ...set(I),
  // Two rows of A and C at a time; an odd last row is paired with itself (both halves compute and store the
  // same values), so one code path serves every m.
  ...whileNot([...get(I), ...get(M), ...geU], [
    ...get(A), ...get(I), ...get(KB), ...mul, ...add, ...set(R0A),
    ...get(C), ...get(I), ...get(NB), ...mul, ...add, ...set(R0C),
    ...get(I), ...i32(1), ...add, ...get(M), ...ltU,
    0x04, VOID, ...get(R0A), ...get(KB), ...add, ...set(R1A), ...get(R0C), ...get(NB), ...add, ...set(R1C),
    0x05, ...get(R0A), ...set(R1A), ...get(R0C), ...set(R1C), 0x0b,
    ...i32(0), ...set(J),
    ...whileNot([...get(J), ...get(NB), ...geU], [
      ...get(ACC),
      0x04, VOID,
      ...q4.flatMap((q) => [...get(R0C), ...get(J), ...add, ...vload(16 * q), ...set(X0 + q), ...get(R1C), ...get(J), ...add, ...vload(16 * q), ...set(X1 + q)]),
      0x05,
      ...q4.flatMap((q) => [...vzero, ...set(X0 + q), ...vzero, ...set(X1 + q)]),
      0x0b,
      ...get(R0A), ...set(AP0), ...get(R1A), ...set(AP1), ...get(B), ...get(J), ...add, ...set(BP),
      ...get(R0A), ...get(KB), ...add, ...set(AEND),
      // Sum over p in order 0..k-1 (every output element sees the same order, whatever its row pairing).
      ...whileNot([...get(AP0), ...get(AEND), ...geU], [
        ...get(AP0), ...f32load, ...splat, ...set(S0),
        ...get(AP1), ...f32load, ...splat, ...set(S1),
        ...q4.flatMap(lane),
        ...get(AP0), ...i32(4), ...add, ...set(AP0),
        ...get(AP1), ...i32(4), ...add, ...set(AP1),
        ...get(BP), ...get(NB), ...add, ...set(BP),
      ]),
      ...q4.flatMap((q) => [...get(R1C), ...get(J), ...add, ...get(X1 + q), ...vstore(16 * q), ...get(R0C), ...get(J), ...add, ...get(X0 + q), ...vstore(16 * q)]),
      ...get(J), ...i32(64), ...add, ...set(J),
    ]),
    ...get(I), ...i32(2), ...add, ...set(I),
  ]),
];

function gemmModuleBytes(): Uint8Array {
  const body = [...vec(LOCALS), ...GEMM_BODY, 0x0b];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(new Array(7).fill([I32])), ...vec([])]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('gemm'), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

// The project's TypeScript libs hold no WebAssembly declarations (no DOM lib); the few members used, typed here.
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type GemmFn = (a: number, b: number, c: number, m: number, k: number, n: number, acc: number) => void;

/**
 * C[m,n] (+)= A[m,k] @ B[k,n], all row-major Float32Arrays. Operands are copied into one WebAssembly memory
 * (a copy is O(size), the product O(size * k)); `accumulate` adds to C's current values. Each output
 * element sums its k products in index order in float32, so results are deterministic and independent
 * of m (gemmJs is the same product in plain JS, the tests' reference).
 */
export class Gemm {
  private readonly memory = new wasm.Memory({ initial: 16 });
  private readonly fn: GemmFn;
  private heap: Float32Array;

  constructor() {
    const instance = new wasm.Instance(new wasm.Module(gemmModuleBytes()), { env: { memory: this.memory } });
    this.fn = instance.exports['gemm'] as GemmFn;
    this.heap = new Float32Array(this.memory.buffer);
  }

  private reserve(floats: number): Float32Array {
    const bytes = floats * 4;
    if (bytes > this.memory.buffer.byteLength) this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / 65536));
    if (this.heap.buffer !== this.memory.buffer) this.heap = new Float32Array(this.memory.buffer);
    return this.heap;
  }

  run(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number, accumulate: boolean): void {
    if (m === 0 || n === 0) return;
    // The kernel works on 16 columns at a time: other widths are zero-padded in its memory.
    const np = Math.ceil(n / 16) * 16;
    const aSize = m * k, bSize = k * np, cSize = m * np;
    const aOff = 0, bOff = (aSize + 15) & ~15, cOff = (bOff + bSize + 15) & ~15;
    const heap = this.reserve(cOff + cSize);
    heap.set(a.subarray(0, aSize), aOff);
    if (np === n) {
      heap.set(b.subarray(0, bSize), bOff);
      if (accumulate) heap.set(c.subarray(0, cSize), cOff);
    } else {
      heap.fill(0, bOff, bOff + bSize);
      for (let p = 0; p < k; p++) heap.set(b.subarray(p * n, p * n + n), bOff + p * np);
      if (accumulate) for (let i = 0; i < m; i++) heap.set(c.subarray(i * n, i * n + n), cOff + i * np);
    }
    this.fn(aOff * 4, bOff * 4, cOff * 4, m, k, np, accumulate ? 1 : 0);
    if (np === n) c.set(heap.subarray(cOff, cOff + cSize));
    else for (let i = 0; i < m; i++) c.set(heap.subarray(cOff + i * np, cOff + i * np + n), i * n);
  }
}

/** The same product in plain JS (float32 rounding after every step, as the kernel does). */
export function gemmJs(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number, accumulate: boolean): void {
  const f = Math.fround;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = accumulate ? c[i * n + j]! : 0;
      for (let p = 0; p < k; p++) s = f(s + f(a[i * k + p]! * b[p * n + j]!));
      c[i * n + j] = s;
    }
  }
}

/** out[cols, rows] = in[rows, cols]^T. */
export function transpose(src: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[o + c]!;
  }
  return out;
}
