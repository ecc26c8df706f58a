// A first start's work made visible: while the model opens, builds this computer's compiled models
// (seconds to a minute at full size, once) or runs its int8 self-check, a small status line says
// so with a spinner instead of the window seeming frozen on the first preview.

import { Group, Loader, Paper, Text } from '@mantine/core';
import { useModelRuntime } from '../settings/useModelRuntime.ts';

const TEXT = {
  opening: 'Opening the model…',
  preparing: 'Preparing the model for this computer (first start only: compiling and caching it; this can take a minute)…',
  checking: 'Checking int8 against fp32 on the sample images (once per model)…',
} as const;

export function ModelWorkNotice() {
  const { runtime } = useModelRuntime(true);
  if (!runtime || runtime.work === 'idle') return null;
  return (
    <Paper role="status" aria-label="Model status" withBorder shadow="sm" p="xs" style={{ position: 'fixed', bottom: 12, left: 12, zIndex: 300, maxWidth: 420 }}>
      <Group gap="xs" wrap="nowrap">
        <Loader size="xs" />
        <Text size="xs">{TEXT[runtime.work]}</Text>
      </Group>
    </Paper>
  );
}
