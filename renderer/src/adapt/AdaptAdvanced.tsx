// The adapt job's optional settings; every empty field is the core's default.

import { NativeSelect, NumberInput, SimpleGrid, Stack, Text } from '@mantine/core';
import { ADAPT_VARIANTS, defaultVariant, type AdaptForm, type AdaptVariant } from '../lib/adapt-config.ts';

export function AdaptAdvanced({ form, onChange, errors, gpu, disabled }: {
  form: AdaptForm;
  onChange(f: AdaptForm): void;
  errors: Partial<Record<keyof AdaptForm, string>>;
  gpu: boolean;
  disabled: boolean;
}) {
  const set = <K extends keyof AdaptForm>(k: K, v: AdaptForm[K]) => onChange({ ...form, [k]: v });
  const auto = ADAPT_VARIANTS.find((v) => v.value === defaultVariant(gpu));
  return (
    <Stack gap="xs">
      <NativeSelect
        label="Variant"
        disabled={disabled}
        value={form.variant ?? ''}
        onChange={(e) => set('variant', (e.currentTarget.value || null) as AdaptVariant | null)}
        data={[{ value: '', label: `Default for this computer (${auto?.value.toUpperCase()})` }, ...ADAPT_VARIANTS]}
        description="Dense adapters (DA) fit best and want a GPU; shallow adapters (SA) train fast on a CPU."
      />
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs">
        <NumberInput label="Adapter dimension" placeholder="default" disabled={disabled} value={form.adapterDim} onChange={(v) => set('adapterDim', v)} min={1} max={1024} allowDecimal={false} error={errors.adapterDim} />
        <NumberInput label="Max epochs" placeholder="default" disabled={disabled} value={form.maxEpochs} onChange={(v) => set('maxEpochs', v)} min={1} max={1000} allowDecimal={false} error={errors.maxEpochs} />
        <NumberInput label="Learning rate" placeholder="default" disabled={disabled} value={form.lr} onChange={(v) => set('lr', v)} min={0} step={0.0001} decimalScale={8} error={errors.lr} />
        <NumberInput label="Seed" placeholder="default" disabled={disabled} value={form.seed} onChange={(v) => set('seed', v)} min={0} allowDecimal={false} error={errors.seed} />
      </SimpleGrid>
      <Text size="xs" c="dimmed">Training stops early when the validation Dice stops improving; the best epoch is kept.</Text>
    </Stack>
  );
}
