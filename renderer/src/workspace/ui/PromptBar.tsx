// The prompt: text with the project's labels as quick chips and recent prompts below, the
// threshold, the live preview's status, and "Use this mask". Keystrokes update the text here;
// the workspace debounces the preview requests.

import { Badge, Button, Group, Slider, Stack, Text, TextInput, Tooltip, UnstyledButton } from '@mantine/core';
import { IconWand } from '@tabler/icons-react';
import type { LabelInfo } from '../../../../main/contract/contract.ts';
import type { PreviewState } from '../prompt/preview-controller.ts';

export interface PromptBarProps {
  prompt: string;
  onPrompt(prompt: string): void;
  threshold: number;
  onThreshold(t: number): void;
  labels: LabelInfo[];
  labelId: number | null;
  onLabelChip(label: LabelInfo): void;
  recent: string[];
  preview: PreviewState;
  canUse: boolean;
  onUse(): void;
  useTitle: string;
  inputRef: React.Ref<HTMLInputElement>;
}

function previewStatus(p: PreviewState): { text: string; error: boolean } {
  switch (p.status) {
    case 'idle':
      return { text: 'Type a prompt to preview the model’s mask', error: false };
    case 'pending':
      return { text: 'Previewing…', error: false };
    case 'error':
      return { text: p.error.message, error: true };
    case 'ready': {
      const r = p.result;
      const model = r.adapterId == null ? 'base model' : `adapter ${r.adapterId}`;
      return { text: `${r.cached ? 'cached encoding' : 'image encoded'} · ${Math.round(r.ms)} ms · ${model}`, error: false };
    }
  }
}

export function PromptBar(p: PromptBarProps) {
  const status = previewStatus(p.preview);
  return (
    <Stack gap={4} px="sm" py={6}>
      <Group gap="xs" wrap="nowrap" align="flex-end">
        <TextInput
          ref={p.inputRef}
          label="Prompt"
          placeholder="e.g. liver, left kidney, tumour"
          value={p.prompt}
          onChange={(e) => p.onPrompt(e.currentTarget.value)}
          style={{ flex: 1 }}
          autoComplete="off"
          spellCheck={false}
        />
        <Stack gap={2} w={180}>
          <Text size="xs" aria-hidden>
            Threshold {p.threshold.toFixed(2)}
          </Text>
          <Slider
            min={0.05}
            max={0.95}
            step={0.05}
            value={p.threshold}
            onChange={p.onThreshold}
            thumbLabel="Threshold"
            label={(v) => v.toFixed(2)}
            size="sm"
          />
        </Stack>
        <Tooltip label={p.useTitle}>
          <Button leftSection={<IconWand size={14} />} disabled={!p.canUse} onClick={p.onUse}>
            Use this mask
          </Button>
        </Tooltip>
      </Group>
      <Group gap={6} wrap="wrap" mih={22}>
        {p.labels.map((l) => (
          <UnstyledButton key={l.id} onClick={() => p.onLabelChip(l)} aria-label={`Prompt for label ${l.name}`} aria-pressed={p.labelId === l.id}>
            <Badge variant={p.labelId === l.id ? 'filled' : 'outline'} color={l.color} style={{ cursor: 'pointer', textTransform: 'none' }}>
              {l.name}
            </Badge>
          </UnstyledButton>
        ))}
        {p.recent.length > 0 && (
          <Text size="xs" c="dimmed" ml={p.labels.length ? 'xs' : 0}>
            Recent:
          </Text>
        )}
        {p.recent.map((r) => (
          <UnstyledButton key={r} onClick={() => p.onPrompt(r)} aria-label={`Recent prompt ${r}`}>
            <Badge variant="light" color="gray" style={{ cursor: 'pointer', textTransform: 'none' }}>
              {r}
            </Badge>
          </UnstyledButton>
        ))}
        <Text size="xs" c={status.error ? 'red' : 'dimmed'} ml="auto" role="status" aria-live="polite">
          {status.text}
        </Text>
      </Group>
    </Stack>
  );
}
