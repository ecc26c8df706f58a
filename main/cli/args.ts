// Option parsing shared by the commands (node:util parseArgs with typed numeric options).

import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
/** values: single string options; lists: options declared `multiple` (every occurrence, in order). */
export interface Parsed { values: Record<string, string | undefined>; lists: Record<string, string[]>; flags: Record<string, boolean>; positionals: string[] }

/** Parses `argv`; prints `help` and exits on --help; bad options become a UsageError with help. */
export function parse(argv: string[], options: OptionSpec, help: string, allowPositionals = false): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${help}`);
  }
  if (parsed.values.help) {
    console.log(help);
    process.exit(0);
  }
  const values: Record<string, string | undefined> = {};
  const flags: Record<string, boolean> = {};
  const lists: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(parsed.values)) {
    if (Array.isArray(v)) lists[k] = v.filter((x): x is string => typeof x === 'string');
    else if (typeof v === 'string') values[k] = v;
    else if (typeof v === 'boolean') flags[k] = v;
  }
  return { values, lists, flags, positionals: parsed.positionals };
}

export function intOption(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}

export function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got '${value}'`);
  return n;
}

/** --provider; undefined when absent, so DELINEATE_PROVIDER or 'auto' applies. */
export function providerOption(value: string | undefined): 'auto' | 'cpu' | 'cuda' | 'webgpu' | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto' || value === 'cpu' || value === 'cuda' || value === 'webgpu') return value;
  throw new UsageError(`--provider must be auto, cuda, webgpu or cpu, got '${value}'`);
}
