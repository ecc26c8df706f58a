// The vision position table for an input size other than the checkpoint's: PyTorch's
// interpolate(mode="bicubic", align_corners=False) of the patch rows, done once on the host in
// float64 (the weights are frozen, so the graph gets a ready [tokens, width] table).

const A = -0.75; // PyTorch's cubic convolution coefficient

const near = (x: number): number => ((A + 2) * x - (A + 3)) * x * x + 1; // |x| ≤ 1
const far = (x: number): number => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; // 1 < |x| < 2

/** Source index and the four tap weights for each output index (PyTorch's upsample_bicubic2d). */
function taps(inSize: number, outSize: number): { base: number[]; w: number[][] } {
  const scale = inSize / outSize;
  const base: number[] = [];
  const w: number[][] = [];
  for (let o = 0; o < outSize; o++) {
    const src = scale * (o + 0.5) - 0.5; // not clamped at 0 for cubic
    const f = Math.floor(src);
    const t = src - f;
    base.push(f);
    w.push([far(t + 1), near(t), near(1 - t), far(2 - t)]);
  }
  return { base, w };
}

/**
 * Resizes `table` ([1 + g·g, width]: class row then a g×g grid, row-major) to a `grid`×`grid`
 * patch grid. The class row is kept. Returns float32 [1 + grid², width].
 */
export function interpolatePositionTable(table: Float32Array, rows: number, width: number, grid: number): Float32Array {
  const g = Math.round(Math.sqrt(rows - 1));
  if (g * g !== rows - 1) throw new Error(`position table has ${rows} rows, expected 1 + a square number`);
  const out = new Float32Array((1 + grid * grid) * width);
  out.set(table.subarray(0, width));
  if (grid === g) {
    out.set(table.subarray(width, rows * width), width);
    return out;
  }
  const { base, w } = taps(g, grid);
  const at = (y: number, x: number, c: number): number => {
    const yy = Math.min(Math.max(y, 0), g - 1);
    const xx = Math.min(Math.max(x, 0), g - 1);
    return table[(1 + yy * g + xx) * width + c];
  };
  for (let oy = 0; oy < grid; oy++) {
    for (let ox = 0; ox < grid; ox++) {
      for (let c = 0; c < width; c++) {
        let acc = 0;
        for (let i = 0; i < 4; i++) {
          let row = 0;
          for (let j = 0; j < 4; j++) row += w[ox][j] * at(base[oy] - 1 + i, base[ox] - 1 + j, c);
          acc += w[oy][i] * row;
        }
        out[(1 + oy * grid + ox) * width + c] = acc;
      }
    }
  }
  return out;
}
