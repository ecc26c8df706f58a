// The Adapt panel's form: which fields the user changed become the AdaptConfig sent with the job;
// anything left empty is the core's default (the variant especially: the core picks SA on a CPU
// and DA on a GPU, so the UI never sends one unless the user chose it).

import type { AdaptConfig } from '../../../main/contract/contract.ts';

export type AdaptVariant = NonNullable<AdaptConfig['variant']>;

export const ADAPT_VARIANTS: { value: AdaptVariant; label: string }[] = [
  { value: 'da-v', label: 'DA-V — dense adapters, vision' },
  { value: 'da-vl', label: 'DA-VL — dense adapters, vision + language' },
  { value: 'da-vlc', label: 'DA-VLC — dense adapters, vision + language + conditioning' },
  { value: 'sa-v', label: 'SA-V — shallow adapters, vision' },
  { value: 'sa-vl', label: 'SA-VL — shallow adapters, vision + language' },
  { value: 'sa-vlc', label: 'SA-VLC — shallow adapters, vision + language + conditioning' },
  { value: 'decoder', label: 'Decoder only' },
  { value: 'full', label: 'Full fine-tune (slow, large)' },
];

/** Corrected masks needed before adapting makes sense (some train, some are held out to compare). */
export const MIN_CORRECTED_MASKS = 4;

/** The form's raw values: '' / null means "use the default". */
export interface AdaptForm {
  variant: AdaptVariant | null;
  adapterDim: number | string;
  maxEpochs: number | string;
  lr: number | string;
  seed: number | string;
}

export const emptyAdaptForm: AdaptForm = { variant: null, adapterDim: '', maxEpochs: '', lr: '', seed: '' };

/** The variant the core will choose when none is sent. */
export const defaultVariant = (gpu: boolean): AdaptVariant => (gpu ? 'da-vlc' : 'sa-vlc');

type Checked = { config: AdaptConfig; errors: Partial<Record<keyof AdaptForm, string>> };

/** The AdaptConfig for a form, and per-field errors for values the core would refuse. */
export function adaptConfigFromForm(form: AdaptForm): Checked {
  const config: AdaptConfig = {};
  const errors: Checked['errors'] = {};
  if (form.variant) config.variant = form.variant;
  const read = (field: keyof AdaptForm, integer: boolean, ok: (n: number) => boolean, why: string): number | undefined => {
    const raw = form[field];
    if (raw === '' || raw === null) return undefined;
    const n = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || !ok(n)) {
      errors[field] = why;
      return undefined;
    }
    return n;
  };
  const adapterDim = read('adapterDim', true, (n) => n >= 1 && n <= 1024, 'a whole number from 1 to 1024');
  const maxEpochs = read('maxEpochs', true, (n) => n >= 1 && n <= 1000, 'a whole number from 1 to 1000');
  const lr = read('lr', false, (n) => n > 0 && n < 1, 'a number between 0 and 1, e.g. 0.001');
  const seed = read('seed', true, (n) => n >= 0, 'a whole number ≥ 0');
  if (adapterDim !== undefined) config.adapterDim = adapterDim;
  if (maxEpochs !== undefined) config.maxEpochs = maxEpochs;
  if (lr !== undefined) config.lr = lr;
  if (seed !== undefined) config.seed = seed;
  return { config, errors };
}

/** Whether an AppInfo-like `gpu` field says a GPU is in use (the field may be a flag, a name or a provider). */
export function hasGpu(gpu: unknown): boolean {
  if (gpu == null || gpu === false) return false;
  if (typeof gpu === 'string') return gpu !== '' && gpu.toLowerCase() !== 'cpu' && gpu.toLowerCase() !== 'none';
  if (typeof gpu === 'object') {
    const o = gpu as { available?: unknown; provider?: unknown; name?: unknown };
    if ('available' in o) return o.available === true;
    if (typeof o.provider === 'string') return o.provider !== 'cpu';
    return typeof o.name === 'string' && o.name !== '';
  }
  return gpu === true;
}
