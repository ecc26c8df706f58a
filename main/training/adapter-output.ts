// Writes what a run trained: VLSM-Adapter modules under the reference implementation's names (or,
// for the decoder / full baselines, the trained base-model tensors under their HF names), with the
// provenance a reader needs in the safetensors metadata: variant, base-model sha256, adapter form,
// the training configuration and the validation metrics.

import { writeSafetensors } from '../engine/model/safetensors.ts';
import type { ParamMap } from './adapter-init.ts';

export interface AdapterProvenance {
  variant: string;
  baseModelSha256: string | null;
  form?: 'reference' | 'identity';
  training: Record<string, unknown>;
  validation: Record<string, unknown>;
  /** further metadata entries (an adapter pack's provenance); they cannot replace the ones above */
  extra?: Record<string, string>;
}

export function writeAdapterFile(path: string, params: ParamMap, p: AdapterProvenance): void {
  const metadata: Record<string, string> = {
    ...p.extra,
    format: 'vlsm-adapter',
    variant: p.variant,
    adapter_form: p.form ?? 'reference',
    training: JSON.stringify(p.training),
    validation: JSON.stringify(p.validation),
    created_by: 'delineate',
  };
  if (p.baseModelSha256) metadata.base_model_sha256 = p.baseModelSha256;
  writeSafetensors(path, params, metadata);
}
