// Plain-TypeScript float64 references, independent of the compiler, for tests to compare with.

export type Opts = { strides: [number, number]; pads: [number, number, number, number]; dilations: [number, number] };

/** Direct 2-D convolution, NCHW, weight [Cout, Cin, kh, kw]. */
export function convRef(x: number[], xs: number[], w: number[], ws: number[], o: Opts): { y: number[]; shape: number[] } {
  const [n, c, h, wd] = xs;
  const [m, , kh, kw] = ws;
  const oh = Math.floor((h + o.pads[0] + o.pads[2] - o.dilations[0] * (kh - 1) - 1) / o.strides[0]) + 1;
  const ow = Math.floor((wd + o.pads[1] + o.pads[3] - o.dilations[1] * (kw - 1) - 1) / o.strides[1]) + 1;
  const y = new Array(n * m * oh * ow).fill(0);
  for (let b = 0; b < n; b++) for (let co = 0; co < m; co++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let s = 0;
    for (let ci = 0; ci < c; ci++) for (let a = 0; a < kh; a++) for (let q = 0; q < kw; q++) {
      const r = i * o.strides[0] + a * o.dilations[0] - o.pads[0];
      const t = j * o.strides[1] + q * o.dilations[1] - o.pads[1];
      if (r >= 0 && r < h && t >= 0 && t < wd) s += x[((b * c + ci) * h + r) * wd + t] * w[((co * c + ci) * kh + a) * kw + q];
    }
    y[((b * m + co) * oh + i) * ow + j] = s;
  }
  return { y, shape: [n, m, oh, ow] };
}

/** Direct transposed convolution, weight [Cin, Cout, kh, kw]: scatter each input pixel. */
export function convTRef(x: number[], xs: number[], w: number[], ws: number[], o: Opts, op: number[]): { y: number[]; shape: number[] } {
  const [n, c, h, wd] = xs;
  const [, m, kh, kw] = ws;
  const oh = o.strides[0] * (h - 1) + op[0] + o.dilations[0] * (kh - 1) + 1 - o.pads[0] - o.pads[2];
  const ow = o.strides[1] * (wd - 1) + op[1] + o.dilations[1] * (kw - 1) + 1 - o.pads[1] - o.pads[3];
  const y = new Array(n * m * oh * ow).fill(0);
  for (let b = 0; b < n; b++) for (let ci = 0; ci < c; ci++) for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++)
    for (let co = 0; co < m; co++) for (let a = 0; a < kh; a++) for (let q = 0; q < kw; q++) {
      const r = i * o.strides[0] + a * o.dilations[0] - o.pads[0];
      const t = j * o.strides[1] + q * o.dilations[1] - o.pads[1];
      if (r >= 0 && r < oh && t >= 0 && t < ow) y[((b * m + co) * oh + r) * ow + t] += x[((b * c + ci) * h + i) * wd + j] * w[((ci * m + co) * kh + a) * kw + q];
    }
  return { y, shape: [n, m, oh, ow] };
}

export interface AdamWRef { beta1: number; beta2: number; eps: number; weightDecay: number; maxGradNorm: number | null }

/**
 * One torch.optim.AdamW step after torch.nn.utils.clip_grad_norm_, transcribed from PyTorch's
 * documented algorithm, in float64. Mutates params, m and v; returns the pre-clip norm.
 */
export function adamwRef(cfg: AdamWRef, lr: number, step: number, params: number[][], grads: number[][], m: number[][], v: number[][]): number {
  const total = Math.sqrt(grads.reduce((s, g) => s + g.reduce((a, x) => a + x * x, 0), 0));
  const coef = cfg.maxGradNorm === null ? 1 : Math.min(cfg.maxGradNorm / (total + 1e-6), 1);
  params.forEach((p, i) => {
    for (let k = 0; k < p.length; k++) {
      const g = grads[i][k] * coef;
      p[k] *= 1 - lr * cfg.weightDecay;
      m[i][k] = cfg.beta1 * m[i][k] + (1 - cfg.beta1) * g;
      v[i][k] = cfg.beta2 * v[i][k] + (1 - cfg.beta2) * g * g;
      const mHat = m[i][k] / (1 - cfg.beta1 ** step);
      const vHat = v[i][k] / (1 - cfg.beta2 ** step);
      p[k] -= (lr * mHat) / (Math.sqrt(vHat) + cfg.eps);
    }
  });
  return total;
}

/** Central-difference gradient of a float64 function of one flat parameter vector. */
export function numericGrad(f: (x: number[]) => number, x: number[], h = 1e-6): number[] {
  return x.map((_, k) => {
    const up = [...x]; up[k] += h;
    const dn = [...x]; dn[k] -= h;
    return (f(up) - f(dn)) / (2 * h);
  });
}
