// Display settings beside the image: mask overlay (visibility, colour, opacity), the model mask
// (overlaid or side by side), window/level with CT presets, and the slice of a volume.

import { Alert, Button, ColorInput, Group, Slider, Stack, Text, Title } from '@mantine/core';
import { IconChevronDown, IconChevronUp, IconEye, IconLayoutColumns, IconStack2 } from '@tabler/icons-react';
import type { WorkspaceCommands, WindowPresetId } from '../actions.ts';
import { CT_PRESETS, type WindowLevel } from '../view/window-level.ts';
import { ActionButton } from './ActionButton.tsx';
import { LiveText } from './LiveText.tsx';
import type { Store } from './store.ts';

export interface DisplaySettings {
  showOverlay: boolean;
  opacity: number;
  colour: string;
  showModel: boolean;
  sideBySide: boolean;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toString() : n.toFixed(1).replace(/\.0$/, ''));

function windowText(w: WindowLevel, units: string): string {
  return `W ${fmt(w.width)} / L ${fmt(w.center)}${units}`;
}

export function DisplayPanel({ commands, settings, onChange, windowStore, stored, hasStoredWindow, presets, units, frame, frames, onFrame, area, sliceExtras }: {
  commands: WorkspaceCommands;
  settings: DisplaySettings;
  onChange(patch: Partial<DisplaySettings>): void;
  windowStore: Store<WindowLevel>;
  stored: WindowLevel;
  hasStoredWindow: boolean;
  presets: boolean;
  units: string;
  frame: number;
  frames: number;
  onFrame(frame: number): void;
  /** under the slice slider of a volume: slice marks and "Segment all slices" (volume/VolumeSlices.tsx) */
  sliceExtras?: React.ReactNode;
  /** the mask's size: the slice's area, and a volume's mask volume (volume/mask-size.ts) */
  area: React.ReactNode;
}) {
  return (
    <Stack gap="sm" p="sm" w={236} style={{ overflowY: 'auto', flexShrink: 0 }} aria-label="Display settings" role="region">
      <Title order={6}>Mask</Title>
      <Group gap={4}>
        <ActionButton id="view.overlay" icon={IconEye} commands={commands} active={settings.showOverlay} />
        <ActionButton id="view.model" icon={IconStack2} commands={commands} active={settings.showModel} />
        <ActionButton id="view.side-by-side" icon={IconLayoutColumns} commands={commands} active={settings.sideBySide} />
      </Group>
      <Stack gap={2}>
        <Text size="xs" aria-hidden>
          Opacity {Math.round(settings.opacity * 100)}%
        </Text>
        <Slider min={0} max={1} step={0.05} value={settings.opacity} onChange={(opacity) => onChange({ opacity })} thumbLabel="Overlay opacity" label={(v) => `${Math.round(v * 100)}%`} size="sm" />
      </Stack>
      <ColorInput label="Overlay colour" size="xs" value={settings.colour} onChange={(colour) => /^#[0-9a-f]{6}$/i.test(colour) && onChange({ colour })} format="hex" swatches={['#ff3b30', '#ff9500', '#ffd60a', '#34c759', '#00c7be', '#0a84ff', '#bf5af2', '#ff2d55']} />
      <Text size="xs" c="dimmed">
        {area}
      </Text>

      <Title order={6} mt="xs">
        Window
      </Title>
      <LiveText store={windowStore} format={(w) => windowText(w, units)} style={{ fontSize: 12 }} aria-label="Window and level" role="status" />
      {presets && (
        <Group gap={4}>
          {CT_PRESETS.map((p) => (
            <Button key={p.id} size="compact-xs" variant="light" aria-label={`${p.label} window`} title={`W${p.width} / L${p.center} HU`} onClick={() => commands.windowPreset(p.id as WindowPresetId)}>
              {p.label}
            </Button>
          ))}
        </Group>
      )}
      <Button size="compact-xs" variant="default" onClick={() => commands.resetWindow()} aria-label="Reset window" style={{ alignSelf: 'flex-start', flexShrink: 0 }}>
        Reset window
      </Button>
      <Text size="xs" c="dimmed">
        Right-drag on the image: left/right window, up/down level.
      </Text>

      {frames > 1 && (
        <>
          <Title order={6} mt="xs">
            Slice {frame + 1} / {frames}
          </Title>
          <Group gap={4} wrap="nowrap">
            <ActionButton id="frame.previous" icon={IconChevronUp} commands={commands} />
            <Slider style={{ flex: 1 }} min={0} max={frames - 1} step={1} value={frame} onChange={onFrame} thumbLabel="Slice" label={(v) => `${v + 1}`} size="sm" />
            <ActionButton id="frame.next" icon={IconChevronDown} commands={commands} />
          </Group>
          {sliceExtras}
        </>
      )}
      {!hasStoredWindow && (
        <Alert variant="light" color="gray" p={6} styles={{ message: { fontSize: 11 } }}>
          This image is shown as stored (8-bit); window/level adjusts its brightness and contrast only.
        </Alert>
      )}
    </Stack>
  );
}
