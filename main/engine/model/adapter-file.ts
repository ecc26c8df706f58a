// Adapter files: safetensors whose tensor names are the reference implementation's module names
// (so they move between Delineate and the PyTorch code unchanged), dims read from the shapes,
// and provenance in the header's metadata (`variant`, `base_model_sha256`, …).

import type { ClipSegConfig } from './config.ts';
import { AdapterError, type AdapterSet, describeAdapters } from './adapters.ts';
import { type FloatTensor, readSafetensorsHeader, readTensors, SafetensorsError, type SafetensorsHeader } from './safetensors.ts';

export interface AdapterFile {
  path: string;
  set: AdapterSet;
  weights: Map<string, FloatTensor>;
  metadata: Record<string, string>;
}

/**
 * Checks an adapter file's header against the model it will run in, without reading its tensors:
 * the adapter set its shapes make, its form and metadata. When both the file's metadata and the
 * caller know the base model's sha256, they must agree: an adapter trained on other base weights
 * would silently give wrong masks.
 */
export function describeAdapterFile(path: string, config: ClipSegConfig, baseModelSha256?: string): { set: AdapterSet; header: SafetensorsHeader } {
  let header;
  try {
    header = readSafetensorsHeader(path);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new AdapterError(`adapter ${e.message}`);
    throw e;
  }
  const set = describeAdapters(new Map([...header.tensors].map(([n, t]) => [n, t.shape])), config, path);
  const made = header.metadata.base_model_sha256;
  if (made && baseModelSha256 && made !== baseModelSha256) {
    throw new AdapterError(`${path}: this adapter was trained on base model ${made.slice(0, 12)}…, but the model in use is ${baseModelSha256.slice(0, 12)}…; use it with the model it was made for`);
  }
  const declared = header.metadata.variant;
  if (declared && declared !== set.variant) throw new AdapterError(`${path}: its metadata says variant ${declared} but its tensors make ${set.variant}`);
  const form = header.metadata.adapter_form ?? 'reference';
  if (form !== 'reference' && form !== 'identity') throw new AdapterError(`${path}: unknown adapter_form '${form}' in its metadata (expected reference or identity)`);
  set.form = form;
  return { set, header };
}

/** Reads an adapter file after {@link describeAdapterFile}'s checks. */
export function readAdapterFile(path: string, config: ClipSegConfig, baseModelSha256?: string): AdapterFile {
  const { set, header } = describeAdapterFile(path, config, baseModelSha256);
  return { path, set, weights: readTensors(path, { header }), metadata: header.metadata };
}
