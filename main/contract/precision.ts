// The numeric precision of the frozen vision tower at inference: fp32 (exact) or int8 (dynamic
// int8 Linear layers, faster on CPUs with VNNI; see docs/benchmarks.md and the fidelity check).

export const precisions = ['fp32', 'int8'] as const;
export type Precision = (typeof precisions)[number];

export function parsePrecision(value: string, where = 'precision'): Precision {
  if ((precisions as readonly string[]).includes(value)) return value as Precision;
  throw new RangeError(`${where} must be ${precisions.join(' or ')}, got '${value}'`);
}
