// The settings drawer's inference precision: automatic (int8 when the model's self-check agreed
// with fp32 on the bundled sample images), fp32 (exact) or int8 (about twice as fast on a CPU),
// with the self-check's result in words so a user who picks int8 against it knows why it was off.

import { Alert, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import type { Precision } from '../../../main/contract/precision.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { useModelRuntime } from './useModelRuntime.ts';

export function PrecisionSetting({ active }: { active: boolean }) {
  const call = useApiCall();
  const { runtime, set } = useModelRuntime(active);
  if (!runtime) return null;
  const choose = async (value: string) => {
    const precision = value === 'auto' ? null : (value as Precision);
    const r = await call('Set inference precision', () => getApi().setPrecision({ precision }));
    if (r.ok) set(r.value);
  };
  const check = runtime.check;
  return (
    <Stack gap={6} aria-label="Inference precision settings" role="group">
      <Title order={4} size="h6">Inference precision</Title>
      <SegmentedControl
        size="xs"
        aria-label="Inference precision"
        value={runtime.chosen ?? 'auto'}
        onChange={(v) => void choose(v)}
        data={[
          { value: 'auto', label: 'Automatic' },
          { value: 'fp32', label: 'fp32 (exact)' },
          { value: 'int8', label: 'int8 (faster)' },
        ]}
      />
      <Text size="xs" aria-label="Precision in use">
        Running at <b>{runtime.precision}</b>: {runtime.reason}.
      </Text>
      {check && !check.int8Agrees && (
        <Alert color="yellow" variant="light" p="xs" aria-label="int8 self-check result">
          <Text size="xs">The int8 self-check found this model changes its masks at int8 ({check.summary}). Automatic stays on fp32; you can still choose int8.</Text>
        </Alert>
      )}
      {check && check.int8Agrees && (
        <Text size="xs" c="dimmed" aria-label="int8 self-check result">
          Self-check on {check.samples} sample images: lowest mask Dice {check.minDice.toFixed(3)}, logits within {(check.maxRelativeLogitError * 100).toFixed(1)} % of their range.
        </Text>
      )}
    </Stack>
  );
}
