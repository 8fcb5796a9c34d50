// The GPT-2 model description shared by the ONNX writer, the reference forward pass and the toy lab:
// hyper-parameters, the weight layout (GPT-2's Conv1D [in, out] order) and seeded random weights.
import { CpiError, mulberry32 } from '@cpi-bench/schemas';

/** GPT-2 hyper-parameters (Hugging Face names in brackets). */
export interface Gpt2Config {
  /** Rows of the (tied) token embedding [vocab_size]. */
  vocabSize: number;
  /** Rows of the position embedding, the longest input [n_positions]. */
  nPositions: number;
  /** Model width D [n_embd]. */
  nEmbd: number;
  /** Transformer blocks [n_layer]. */
  nLayer: number;
  /** Query heads [n_head]; must divide nEmbd. */
  nHead: number;
  /** Key/value heads for grouped-query attention [num_key_value_heads]; must divide nHead. @default nHead */
  nKvHead?: number;
  /** @default 1e-5 */
  layerNormEpsilon?: number;
}

/** One transformer block's parameters, row-major, GPT-2 layout (MatMul weights are [in, out]). */
export interface Gpt2LayerWeights {
  ln1Gamma: Float32Array;
  ln1Beta: Float32Array;
  /** [D, D + 2*kvDim]: columns are q (D), then k (kvDim), then v (kvDim); kvDim = nKvHead * D / nHead. */
  qkvWeight: Float32Array;
  qkvBias: Float32Array;
  /** [D, D] */
  projWeight: Float32Array;
  projBias: Float32Array;
  ln2Gamma: Float32Array;
  ln2Beta: Float32Array;
  /** [D, 4D] */
  fcWeight: Float32Array;
  fcBias: Float32Array;
  /** [4D, D] */
  fcProjWeight: Float32Array;
  fcProjBias: Float32Array;
}

/** All parameters of a GPT-2 model. The LM head is tied to `wte`. */
export interface Gpt2Weights {
  /** [V, D] token embedding, also the LM head. */
  wte: Float32Array;
  /** [P, D] position embedding. */
  wpe: Float32Array;
  layers: Gpt2LayerWeights[];
  lnfGamma: Float32Array;
  lnfBeta: Float32Array;
}

/** Sizes derived from a config, used by every consumer so that they agree. */
export interface Gpt2Dims {
  V: number;
  P: number;
  D: number;
  L: number;
  H: number;
  kvH: number;
  hd: number;
  kvDim: number;
  eps: number;
}

/** Validates a config and derives its sizes; throws `CPI_ONNX_GPT2_BAD_CONFIG`. */
export function gpt2Dims(config: Gpt2Config): Gpt2Dims {
  const fields = ['vocabSize', 'nPositions', 'nEmbd', 'nLayer', 'nHead'] as const;
  for (const f of fields) {
    const v = config[f];
    if (!Number.isInteger(v) || v <= 0) {
      throw new CpiError('CPI_ONNX_GPT2_BAD_CONFIG', `Gpt2Config.${f} must be a positive integer, got ${String(v)}`, { pointer: `/${f}` });
    }
  }
  const kvH = config.nKvHead ?? config.nHead;
  if (!Number.isInteger(kvH) || kvH <= 0 || config.nHead % kvH !== 0) {
    throw new CpiError('CPI_ONNX_GPT2_BAD_CONFIG', `nKvHead (${kvH}) must be a positive divisor of nHead (${config.nHead})`, { pointer: '/nKvHead' });
  }
  if (config.nEmbd % config.nHead !== 0) {
    throw new CpiError('CPI_ONNX_GPT2_BAD_CONFIG', `nEmbd (${config.nEmbd}) must be divisible by nHead (${config.nHead})`, { pointer: '/nEmbd' });
  }
  const hd = config.nEmbd / config.nHead;
  return {
    V: config.vocabSize, P: config.nPositions, D: config.nEmbd, L: config.nLayer, H: config.nHead,
    kvH, hd, kvDim: kvH * hd, eps: config.layerNormEpsilon ?? 1e-5,
  };
}

/** The expected length of every weight array, by name, in a fixed order (the order the ONNX file stores them). */
export function weightShapes(dims: Gpt2Dims): { top: Record<'wte' | 'wpe' | 'lnfGamma' | 'lnfBeta', number[]>; layer: Record<keyof Gpt2LayerWeights, number[]> } {
  const { V, P, D, kvDim } = dims;
  return {
    top: { wte: [V, D], wpe: [P, D], lnfGamma: [D], lnfBeta: [D] },
    layer: {
      ln1Gamma: [D], ln1Beta: [D], qkvWeight: [D, D + 2 * kvDim], qkvBias: [D + 2 * kvDim],
      projWeight: [D, D], projBias: [D], ln2Gamma: [D], ln2Beta: [D],
      fcWeight: [D, 4 * D], fcBias: [4 * D], fcProjWeight: [4 * D, D], fcProjBias: [D],
    },
  };
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Checks that every weight array has the size the config implies; throws `CPI_ONNX_GPT2_BAD_WEIGHTS`. */
export function checkWeights(config: Gpt2Config, weights: Gpt2Weights): Gpt2Dims {
  const dims = gpt2Dims(config);
  const shapes = weightShapes(dims);
  const bad = (pointer: string, got: number | undefined, shape: number[]): never => {
    throw new CpiError('CPI_ONNX_GPT2_BAD_WEIGHTS', `weight ${pointer} has ${got ?? 'no'} values, expected ${size(shape)} for shape [${shape.join(', ')}]`, { pointer });
  };
  for (const [name, shape] of Object.entries(shapes.top) as [keyof typeof shapes.top, number[]][]) {
    const w = weights[name] as Float32Array | undefined;
    if (!(w instanceof Float32Array) || w.length !== size(shape)) bad(`/${name}`, w?.length, shape);
  }
  if (!Array.isArray(weights.layers) || weights.layers.length !== dims.L) {
    throw new CpiError('CPI_ONNX_GPT2_BAD_WEIGHTS', `weights.layers has ${weights.layers?.length ?? 0} entries, config.nLayer is ${dims.L}`, { pointer: '/layers' });
  }
  weights.layers.forEach((layer, i) => {
    for (const [name, shape] of Object.entries(shapes.layer) as [keyof Gpt2LayerWeights, number[]][]) {
      const w = layer[name] as Float32Array | undefined;
      if (!(w instanceof Float32Array) || w.length !== size(shape)) bad(`/layers/${i}/${name}`, w?.length, shape);
    }
  });
  return dims;
}

/**
 * Seeded random weights with GPT-2's initialisation (normal, std 0.02; LayerNorm gamma 1, beta 0; biases 0
 * except a small random part so tests exercise every bias path).
 * @example const w = randomGpt2Weights({ vocabSize: 300, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 4 }, 42);
 */
export function randomGpt2Weights(config: Gpt2Config, seed: number): Gpt2Weights {
  const dims = gpt2Dims(config);
  const shapes = weightShapes(dims);
  const rand = mulberry32(seed);
  const normal = (n: number, std: number): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      // Box-Muller; 1 - u keeps the log argument in (0, 1].
      const u = 1 - rand();
      const v = rand();
      out[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
    return out;
  };
  // Gammas near 1 and small non-zero biases: a reference that ignored a bias or gamma would then disagree.
  const gamma = (n: number): Float32Array => normal(n, 0.05).map((x) => 1 + x);
  const layers: Gpt2LayerWeights[] = [];
  for (let i = 0; i < dims.L; i++) {
    const s = shapes.layer;
    layers.push({
      ln1Gamma: gamma(size(s.ln1Gamma)), ln1Beta: normal(size(s.ln1Beta), 0.02),
      qkvWeight: normal(size(s.qkvWeight), 0.02), qkvBias: normal(size(s.qkvBias), 0.02),
      projWeight: normal(size(s.projWeight), 0.02 / Math.sqrt(2 * dims.L)), projBias: normal(size(s.projBias), 0.02),
      ln2Gamma: gamma(size(s.ln2Gamma)), ln2Beta: normal(size(s.ln2Beta), 0.02),
      fcWeight: normal(size(s.fcWeight), 0.02), fcBias: normal(size(s.fcBias), 0.02),
      fcProjWeight: normal(size(s.fcProjWeight), 0.02 / Math.sqrt(2 * dims.L)), fcProjBias: normal(size(s.fcProjBias), 0.02),
    });
  }
  return {
    wte: normal(size(shapes.top.wte), 0.02),
    wpe: normal(size(shapes.top.wpe), 0.01),
    layers,
    lnfGamma: gamma(dims.D),
    lnfBeta: normal(dims.D, 0.02),
  };
}
