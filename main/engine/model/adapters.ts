// VLSM-Adapter's bottleneck adapters for inference: which adapters a file holds (by the reference
// implementation's module names), and the Adapter block itself. Placement:
//   dense   (v_/l_attn_adapters.N, v_/l_out_adapters.N): each branch of encoder block N, before
//           its residual add, in blocks 0 … max(extract_layers) − 1 of the vision (v) / text (l) tower;
//   shallow (vision_extract_adapters.K, text_extract_adapters.K): on the K-th extracted vision
//           activation on its way to the decoder; on the text stream at the pooled position after
//           block extract_layers[K], added to the conditional embedding;
//   cond_adapter: on the conditional embedding (before the shallow text additions).

import { add, type Graph, relu, type Tensor } from '../graph/index.ts';
import type { ClipSegConfig } from './config.ts';
import { linearLayer } from './layers.ts';

export type AdapterKind = 'dense' | 'shallow';

export interface AdapterSet {
  kind: AdapterKind;
  /** 'da-v' | 'da-vl' | 'da-vlc' | 'sa-v' | … : what the file holds */
  variant: string;
  vision: boolean;
  text: boolean;
  cond: boolean;
  /** every module's [in, bottleneck] dims, by module name (e.g. v_attn_adapters.3) */
  modules: Map<string, { dim: number; bottleneck: number }>;
  /**
   * 'reference': x + ReLU(fc2(ReLU(fc1 x))), the paper's block. 'identity': x + fc2(ReLU(fc1 x))
   * with fc2 initialised to zero, so training starts from the base model (our option, recorded
   * in the file's metadata as adapter_form).
   */
  form?: AdapterForm;
}

export type AdapterForm = 'reference' | 'identity';

export class AdapterError extends Error {
  override name = 'AdapterError';
}

const PARTS = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'];

/** The expected modules of a kind, with the width each works on. */
function expectedModules(c: ClipSegConfig, kind: AdapterKind): Map<string, { width: number; group: 'vision' | 'text' | 'cond' }> {
  const m = new Map<string, { width: number; group: 'vision' | 'text' | 'cond' }>();
  const n = Math.max(...c.extractLayers);
  if (kind === 'dense') {
    for (let i = 0; i < n; i++) {
      for (const b of ['attn', 'out']) {
        m.set(`v_${b}_adapters.${i}`, { width: c.vision.hiddenSize, group: 'vision' });
        m.set(`l_${b}_adapters.${i}`, { width: c.text.hiddenSize, group: 'text' });
      }
    }
  } else {
    c.extractLayers.forEach((_, k) => {
      m.set(`vision_extract_adapters.${k}`, { width: c.vision.hiddenSize, group: 'vision' });
      m.set(`text_extract_adapters.${k}`, { width: c.text.hiddenSize, group: 'text' });
    });
  }
  m.set('cond_adapter', { width: c.projectionDim, group: 'cond' });
  return m;
}

/**
 * Reads which adapters a set of tensors (name → shape) holds and checks them against the model:
 * every module complete, shapes consistent, each group (vision, text, cond) all-or-nothing.
 * `where` names the file in errors.
 */
export function describeAdapters(shapes: Map<string, readonly number[]>, c: ClipSegConfig, where: string): AdapterSet {
  const names = [...shapes.keys()];
  const kind: AdapterKind | undefined = names.some((n) => /^(v|l)_(attn|out)_adapters\./.test(n)) ? 'dense'
    : names.some((n) => /^(vision|text)_extract_adapters\./.test(n)) ? 'shallow' : undefined;
  if (!kind) throw new AdapterError(`${where}: no VLSM-Adapter tensors (expected v_attn_adapters.N…, vision_extract_adapters.K… or cond_adapter…)`);
  const expected = expectedModules(c, kind);
  const modules = new Map<string, { dim: number; bottleneck: number }>();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const module = name.slice(0, name.lastIndexOf('.', name.lastIndexOf('.') - 1));
    const part = name.slice(module.length + 1);
    if (!expected.has(module) || !PARTS.includes(part)) {
      problems.push(`unexpected tensor ${name}`);
      continue;
    }
    seen.add(module);
  }
  for (const module of seen) {
    const width = expected.get(module)!.width;
    const w1 = shapes.get(`${module}.fc1.weight`);
    const r = w1?.[0];
    const want: Record<string, number[]> = r === undefined ? {} : {
      'fc1.weight': [r, width], 'fc1.bias': [r], 'fc2.weight': [width, r], 'fc2.bias': [width],
    };
    for (const part of PARTS) {
      const s = shapes.get(`${module}.${part}`);
      if (!s) problems.push(`missing ${module}.${part}`);
      else if (r !== undefined && (s.length !== want[part].length || s.some((d, i) => d !== want[part][i]))) {
        problems.push(`${module}.${part} is [${s.join(',')}], expected [${want[part].join(',')}] for a width-${width} model`);
      }
    }
    if (r !== undefined) modules.set(module, { dim: width, bottleneck: r });
  }
  const group = (g: 'vision' | 'text' | 'cond'): boolean => {
    const all = [...expected].filter(([, e]) => e.group === g).map(([n]) => n);
    const have = all.filter((n) => seen.has(n));
    if (have.length > 0 && have.length < all.length) problems.push(`${g} adapters incomplete: missing ${all.filter((n) => !seen.has(n)).slice(0, 6).join(', ')}`);
    return have.length > 0;
  };
  const [vision, text, cond] = [group('vision'), group('text'), group('cond')];
  if (!vision) problems.push('no vision adapters (every VLSM-Adapter variant has them)');
  else if (cond && !text) problems.push('a conditional adapter without text adapters is not a VLSM-Adapter variant');
  if (problems.length) throw new AdapterError(`${where}: not a usable ${kind} adapter set for this model:\n  ${problems.slice(0, 12).join('\n  ')}${problems.length > 12 ? `\n  … and ${problems.length - 12} more` : ''}`);
  const variant = `${kind === 'dense' ? 'da' : 'sa'}-v${text ? 'l' : ''}${cond ? 'c' : ''}`;
  return { kind, variant, vision, text, cond, modules };
}

/**
 * Adapter(x) = x + ReLU(fc2(ReLU(fc1(x)))) (the reference's form), or without the outer ReLU for
 * the identity form. Whether its weights train is the graph's trainable policy.
 */
export function adapterBlock(g: Graph, module: string, x: Tensor, dims: { dim: number; bottleneck: number }, form: AdapterForm = 'reference'): Tensor {
  return g.scope(module, () => {
    if (x.shape[x.rank - 1] !== dims.dim) throw new AdapterError(`${module}: works on width ${dims.dim}, its input is [${x.shape.join(',')}]`);
    const h = relu(linearLayer(g, `${module}.fc1`, x, dims.bottleneck));
    const y = linearLayer(g, `${module}.fc2`, h, dims.dim);
    return add(x, form === 'identity' ? y : relu(y));
  });
}

export const isAdapterParam = (name: string): boolean => /^(v_attn|v_out|l_attn|l_out|vision_extract|text_extract)_adapters\.|^cond_adapter\./.test(name);

/** Parses 'da-vlc' → kind and placement; null for names that are not adapter variants. */
export function parseVariant(variant: string): { kind: AdapterKind; vision: true; text: boolean; cond: boolean } | null {
  const m = /^(da|sa)-v(l?)(c?)$/.exec(variant);
  if (!m || (m[3] && !m[2])) return null;
  return { kind: m[1] === 'da' ? 'dense' : 'shallow', vision: true, text: m[2] === 'l', cond: m[3] === 'c' };
}

export interface AdapterDims {
  /** bottleneck of dense (default 64) or shallow (default 512) adapters */
  adapter?: number;
  /** bottleneck of the conditional adapter (default 256) */
  cond?: number;
}

/** The modules a variant places on this model, with their dims (what a new adapter file will hold). */
export function adapterSetFor(variant: string, c: ClipSegConfig, dims: AdapterDims = {}, form: AdapterForm = 'reference'): AdapterSet {
  const v = parseVariant(variant);
  if (!v) throw new AdapterError(`unknown adapter variant '${variant}' (expected da-v, da-vl, da-vlc, sa-v, sa-vl or sa-vlc)`);
  const r = dims.adapter ?? (v.kind === 'dense' ? 64 : 512);
  const rc = dims.cond ?? 256;
  for (const [what, n] of [['adapter dim', r], ['conditional adapter dim', rc]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new AdapterError(`${what} must be a positive integer, got ${n}`);
  }
  const modules = new Map<string, { dim: number; bottleneck: number }>();
  for (const [name, e] of expectedModules(c, v.kind)) {
    if (e.group === 'text' && !v.text) continue;
    if (e.group === 'cond' && !v.cond) continue;
    modules.set(name, { dim: e.width, bottleneck: e.group === 'cond' ? rc : r });
  }
  return { kind: v.kind, variant, vision: true, text: v.text, cond: v.cond, modules, form };
}
