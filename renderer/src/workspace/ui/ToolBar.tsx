// The editing toolbar: tools, brush size, whole-mask operations, undo/redo (with what they
// undo), zoom. Every button comes from the action registry.

import { Divider, Group, NumberInput, Slider, Text } from '@mantine/core';
import {
  IconArrowBackUp,
  IconArrowForwardUp,
  IconArrowsMaximize,
  IconArrowsMinimize,
  IconBrush,
  IconBucketDroplet,
  IconCircleDot,
  IconEraser,
  IconGrain,
  IconHandStop,
  IconKeyboard,
  IconMaximize,
  IconPolygon,
  IconScissors,
  IconTrash,
  IconZoomIn,
  IconZoomOut,
} from '@tabler/icons-react';
import type { ToolId, WorkspaceCommands } from '../actions.ts';
import { ActionButton } from './ActionButton.tsx';

export const BRUSH_SIZES = { min: 1, max: 200 };

export function ToolBar({ commands, tool, brushSize, onBrushSize, minIslandArea, onMinIslandArea, undoLabel, redoLabel }: {
  commands: WorkspaceCommands;
  tool: ToolId;
  brushSize: number;
  onBrushSize(size: number): void;
  minIslandArea: number;
  onMinIslandArea(area: number): void;
  undoLabel: string | null;
  redoLabel: string | null;
}) {
  const toolButton = (id: ToolId, icon: typeof IconBrush) => <ActionButton id={`tool.${id}`} icon={icon} commands={commands} active={tool === id} />;
  return (
    <Group gap={4} px="sm" py={4} wrap="wrap" role="toolbar" aria-label="Editing tools">
      {toolButton('brush', IconBrush)}
      {toolButton('eraser', IconEraser)}
      {toolButton('polygon-fill', IconPolygon)}
      {toolButton('polygon-cut', IconScissors)}
      {toolButton('flood-fill', IconBucketDroplet)}
      {toolButton('hand', IconHandStop)}
      <Group gap={6} wrap="nowrap" ml={6}>
        <Text size="xs" c="dimmed" aria-hidden>
          Size {brushSize}
        </Text>
        <Slider
          w={110}
          size="sm"
          min={BRUSH_SIZES.min}
          max={BRUSH_SIZES.max}
          value={brushSize}
          onChange={onBrushSize}
          thumbLabel="Brush size"
          label={(v) => `${v} px`}
        />
      </Group>
      <Divider orientation="vertical" mx={4} />
      <ActionButton id="mask.fill-holes" icon={IconCircleDot} commands={commands} />
      <ActionButton id="mask.remove-islands" icon={IconGrain} commands={commands} />
      <NumberInput
        aria-label="Minimum island area"
        title="Islands smaller than this many pixels are removed"
        w={80}
        min={1}
        max={1_000_000}
        value={minIslandArea}
        onChange={(v) => typeof v === 'number' && v >= 1 && onMinIslandArea(Math.round(v))}
        suffix=" px"
      />
      <ActionButton id="mask.grow" icon={IconArrowsMaximize} commands={commands} />
      <ActionButton id="mask.shrink" icon={IconArrowsMinimize} commands={commands} />
      <ActionButton id="mask.clear" icon={IconTrash} commands={commands} />
      <Divider orientation="vertical" mx={4} />
      <ActionButton id="edit.undo" icon={IconArrowBackUp} commands={commands} tooltip={undoLabel ? `Undo ${undoLabel}` : 'Nothing to undo'} />
      <ActionButton id="edit.redo" icon={IconArrowForwardUp} commands={commands} tooltip={redoLabel ? `Redo ${redoLabel}` : 'Nothing to redo'} />
      <Divider orientation="vertical" mx={4} />
      <ActionButton id="view.zoom-out" icon={IconZoomOut} commands={commands} />
      <ActionButton id="view.zoom-in" icon={IconZoomIn} commands={commands} />
      <ActionButton id="view.fit" icon={IconMaximize} commands={commands} />
      <ActionButton id="help.shortcuts" icon={IconKeyboard} commands={commands} />
    </Group>
  );
}
