// Adam with bias correction, global-norm clipping and an optional linear warmup, over float32 parameters.

export interface AdamOptions { beta1?: number; beta2?: number; eps?: number; clip?: number; warmup?: number }

export class Adam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;
  constructor(size: number, private readonly options: AdamOptions = {}) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  /** Applies one update to `params` from `grads`; returns the gradient norm before clipping. */
  step(params: Float32Array, grads: Float32Array, lr: number): number {
    const b1 = this.options.beta1 ?? 0.9, b2 = this.options.beta2 ?? 0.98, eps = this.options.eps ?? 1e-8;
    const clip = this.options.clip ?? 1, warmup = this.options.warmup ?? 0;
    let norm = 0;
    for (let i = 0; i < grads.length; i++) norm += grads[i]! * grads[i]!;
    norm = Math.sqrt(norm);
    const scale = norm > clip ? clip / norm : 1;
    this.t++;
    const rate = lr * (warmup > 0 ? Math.min(1, this.t / warmup) : 1);
    const c1 = 1 - b1 ** this.t, c2 = 1 - b2 ** this.t;
    const mm = this.m, vv = this.v;
    for (let i = 0; i < params.length; i++) {
      const gi = grads[i]! * scale;
      const m = (mm[i] = b1 * mm[i]! + (1 - b1) * gi);
      const v = (vv[i] = b2 * vv[i]! + (1 - b2) * gi * gi);
      params[i] = params[i]! - (rate * (m / c1)) / (Math.sqrt(v / c2) + eps);
    }
    return norm;
  }
}
