// The image workspace: prompt → live model preview → "Use this mask" → correct with the tools →
// Accept (saved as the corrected mask). The viewer, tools and mask logic live in their own
// modules, and its state in three hooks (the mask being edited, the model's preview, accept and
// leave); this component wires them to the API and to the action registry, which is the one
// place keys, buttons and the shortcuts overlay come from.
//
// Per-image state (masks, slice, view, window, preview) resets when the image changes; the
// user's settings (tool, brush, overlay, prompt, threshold, label) carry over to the next image,
// so segmenting the same structure across a series is one keystroke per image.

import { Alert, Group, Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ImageSummary, LabelInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../../bridge/api.ts';
import { ImageMasks } from './mask-sessions.ts';
import { createWorkspaceCommands, type Settings } from './workspace-commands.ts';
import { workspaceActions } from './actions.ts';
import { useAcceptAndLeave } from './hooks/useAcceptAndLeave.ts';
import { useEditableMask } from './hooks/useEditableMask.ts';
import { usePreviewMask } from './hooks/usePreviewMask.ts';
import { loadRecentPrompts, rememberPrompt, type KeyValueStore } from './prompt/recent-prompts.ts';
import { createTools, type ToolEnv } from './tools/tools.ts';
import { DisplayPanel } from './ui/DisplayPanel.tsx';
import { LeaveGuard } from './ui/LeaveGuard.tsx';
import { LiveText } from './ui/LiveText.tsx';
import { NextSuggested } from './ui/NextSuggested.tsx';
import { PromptBar } from './ui/PromptBar.tsx';
import { ShortcutsOverlay } from './ui/ShortcutsOverlay.tsx';
import { ToolBar } from './ui/ToolBar.tsx';
import { useFrameBitmap } from './ui/useFrameBitmap.ts';
import { useWorkspaceKeys } from './ui/useWorkspaceKeys.ts';
import { Viewer } from './ui/Viewer.tsx';
import { WorkspaceHeader } from './ui/WorkspaceHeader.tsx';
import { VolumeSlices } from './volume/VolumeSlices.tsx';
import { useMaskSize } from './volume/useMaskSize.ts';
import { createViewStores } from './ui/view-stores.ts';
import type { OverlayStyle } from './ui/viewer-renderer.ts';
import { canvasLengthToImage } from './view/coords.ts';
import { presetsApply, storedWindow, windowUnits } from './view/window-level.ts';

export interface WorkspaceProps {
  projectId: number;
  image: ImageSummary;
  labels: LabelInfo[];
  onNavigate(delta: -1 | 1): void;
  onClose(): void;
  /** a mask of this image was saved (corrected, or the model's): counts and statuses changed */
  onSaved(): void;
  /** opens an image at a slice ("Next suggested"); without it the button is not shown */
  onOpenAt?(image: ImageSummary, frame: number): void;
  /** the slice to show; a new object moves an open image to its frame */
  frameRequest?: { frame: number } | null;
}

const REFERENCE_COLOUR = '#4dabf7'; // model masks are blue across the app
const FALLBACK_COLOUR = '#ff3b30';
const HIT_CSS_PX = 6;

function storage(): KeyValueStore | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function Workspace(props: WorkspaceProps) {
  const [settings, setSettings] = useState<Settings>(() => ({
    tool: 'brush',
    brushSize: 9,
    minIslandArea: 20,
    prompt: '',
    threshold: 0.5,
    labelId: props.labels[0]?.id ?? null,
    colour: null,
    showOverlay: true,
    opacity: 0.45,
    showModel: false,
    sideBySide: false,
  }));
  const update = useCallback((patch: Partial<Settings>) => setSettings((s) => ({ ...s, ...patch })), []);
  // a label that no longer exists falls back to the first one
  const labelId = settings.labelId === null || props.labels.some((l) => l.id === settings.labelId) ? settings.labelId : (props.labels[0]?.id ?? null);
  const shown = useMemo(() => ({ ...settings, labelId }), [settings, labelId]);
  return <ImageWorkspace key={props.image.id} {...props} settings={shown} update={update} />;
}

function ImageWorkspace({ projectId, image, labels, settings, update, onNavigate, onClose, onSaved: shellSaved, onOpenAt, frameRequest }: WorkspaceProps & { settings: Settings; update(patch: Partial<Settings>): void }) {
  // this component is keyed by image id: these live as long as the image is open, even if the
  // shell hands over a fresh ImageSummary object for it (unsaved sessions must not be dropped)
  const [api] = useState(getApi);
  const [masks] = useState(() => new ImageMasks(api, image));
  const [stored] = useState(() => storedWindow(image));
  const [stores] = useState(() => createViewStores(stored));
  const [tools] = useState(createTools);
  const presets = presetsApply(image);

  const [frame, setFrame] = useState(() => frameRequest?.frame ?? Math.floor(image.frames / 2));
  useEffect(() => {
    if (frameRequest && frameRequest.frame < image.frames) setFrame(frameRequest.frame);
  }, [frameRequest, image.frames]);
  // saves counted, so what reads the stored masks (a volume's mask size) reads them again
  const [saves, setSaves] = useState(0);
  const onSaved = useCallback(() => {
    setSaves((n) => n + 1);
    shellSaved();
  }, [shellSaved]);
  const frameState = useFrameBitmap(api, image, frame);
  const labelId = settings.labelId;

  // the label this image was worked on with, once
  useEffect(() => {
    let live = true;
    void masks.suggestedLabel().then((l) => {
      if (live && l !== undefined && (l === null || labels.some((x) => x.id === l))) update({ labelId: l });
    });
    return () => {
      live = false;
    };
  }, [masks]);

  const tool = tools[settings.tool];
  // a "Segment all slices" job saved model masks: sessions without edits reload from the store
  const [batches, setBatches] = useState(0);
  const onBatchSaved = useCallback(() => {
    masks.storedChanged();
    setBatches((n) => n + 1);
    onSaved();
  }, [masks, onSaved]);
  const { editable, error: maskError, model, modelSaved } = useEditableMask(masks, frame, labelId, tool, batches);
  const session = editable?.session ?? null;

  const onNewPrompt = useCallback(() => update({ showModel: true }), [update]); // threshold changes leave the toggle alone
  const preview = usePreviewMask(api, image, { prompt: settings.prompt, threshold: settings.threshold, frame }, onNewPrompt);
  const reference = preview.mask ?? model;

  const [recent, setRecent] = useState(() => loadRecentPrompts(storage(), projectId));
  const remember = useCallback((prompt: string) => setRecent(rememberPrompt(storage(), projectId, prompt)), [projectId]);

  const saver = useAcceptAndLeave({ masks, editable, prompt: settings.prompt, initialStatus: image.status, remember, onSaved, onClose, onNavigate });
  const { accept, leave, showError, modelMaskSaved } = saver;
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const promptInput = useRef<HTMLInputElement>(null);

  const brushSize = settings.brushSize;
  const env = useCallback((): ToolEnv | null => {
    if (!editable) return null;
    const v = stores.view.get();
    return { session: editable.session, brushSize, hitRadius: v ? canvasLengthToImage(v.transform, HIT_CSS_PX) : 1 };
  }, [stores, editable, brushSize]);

  const stepFrame = useCallback((d: -1 | 1) => setFrame((f) => Math.min(image.frames - 1, Math.max(0, f + d))), [image.frames]);

  // rebuilt when the state it reads changes; the key handler re-subscribes with it
  const commands = useMemo(
    () =>
      createWorkspaceCommands({
        current: () => ({ settings, editable, usablePreview: preview.mask, preview: preview.state }),
        update,
        tools,
        env,
        stores,
        image,
        stored,
        presets,
        masks,
        remember,
        modelMaskSaved: () => {
          modelSaved();
          modelMaskSaved();
        },
        showError,
        stepFrame,
        leave,
        accept: () => void accept(),
        focusPrompt: () => promptInput.current?.focus(),
        toggleShortcuts: () => setShortcutsOpen((o) => !o),
      }),
    [settings, editable, preview, update, tools, env, stores, image, stored, presets, masks, remember, modelSaved, modelMaskSaved, showError, stepFrame, leave, accept],
  );

  const dialogOpen = useCallback(() => saver.guard !== null || shortcutsOpen, [saver.guard, shortcutsOpen]);
  const spaceHeld = useWorkspaceKeys(commands, dialogOpen);

  // ---- view ---------------------------------------------------------------------------------
  const label = labels.find((l) => l.id === labelId) ?? null;
  const colour = settings.colour ?? (label && /^#[0-9a-f]{6}$/i.test(label.color) ? label.color : FALLBACK_COLOUR);
  const style = useMemo(
    (): OverlayStyle => ({
      showMask: settings.showOverlay,
      maskColour: colour,
      opacity: settings.opacity,
      showReference: settings.showModel && !settings.sideBySide,
      referenceColour: REFERENCE_COLOUR,
      referenceFill: false,
    }),
    [settings.showOverlay, colour, settings.opacity, settings.showModel, settings.sideBySide],
  );
  const modelPaneStyle = useMemo((): OverlayStyle => ({ ...style, showMask: false, showReference: settings.showOverlay, referenceFill: true }), [style, settings.showOverlay]);

  const dirtyCount = session ? masks.dirty().length : 0;
  const size = useMaskSize(api, image, frame, labelId, session ? session.area : null, saves);
  const units = windowUnits(image);
  const viewerCommon = {
    image,
    frame: frameState.bitmap,
    stored,
    stores,
    brushSize: settings.brushSize,
    env,
    spaceHeld,
    stepFrame,
  };

  return (
    <Stack gap={0} h="100%" style={{ minHeight: 0 }}>
      <WorkspaceHeader
        image={image}
        status={saver.status}
        unsaved={dirtyCount > 0}
        labels={labels}
        labelId={labelId}
        onLabel={(l) => update({ labelId: l })}
        commands={commands}
        onClose={() => leave({ kind: 'close' })}
        saving={saver.saving}
        canAccept={!!editable}
        extra={onOpenAt && <NextSuggested api={api} projectId={projectId} image={image} frame={frame} labelId={labelId} unsaved={dirtyCount > 0} onOpen={onOpenAt} onPrompt={(p) => { if (!settings.prompt.trim()) update({ prompt: p }); }} onMessage={showError} />}
      />

      <PromptBar
        prompt={settings.prompt}
        onPrompt={(prompt) => update({ prompt })}
        threshold={settings.threshold}
        onThreshold={(threshold) => update({ threshold })}
        labels={labels}
        labelId={labelId}
        onLabelChip={(l) => update({ prompt: l.prompts[0] ?? l.name, labelId: l.id })}
        recent={recent}
        preview={preview.state}
        canUse={commands.state.hasPreview}
        onUse={() => commands.usePreview()}
        useTitle={workspaceActions.title('mask.use-preview')}
        inputRef={promptInput}
      />

      <ToolBar
        commands={commands}
        tool={settings.tool}
        brushSize={settings.brushSize}
        onBrushSize={(brushSize) => update({ brushSize })}
        minIslandArea={settings.minIslandArea}
        onMinIslandArea={(minIslandArea) => update({ minIslandArea })}
        undoLabel={session?.history.undoLabel ?? null}
        redoLabel={session?.history.redoLabel ?? null}
      />

      {(saver.error || saver.notice) && (
        <Alert
          color={saver.error ? 'red' : 'green'}
          variant="light"
          py={4}
          mx="sm"
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={saver.dismiss}
          role={saver.error ? 'alert' : 'status'}
        >
          {saver.error ?? saver.notice}
        </Alert>
      )}

      <Group gap={0} wrap="nowrap" align="stretch" style={{ flex: 1, minHeight: 0 }}>
        <div style={{ position: 'relative', flex: 1, minWidth: 0, display: 'flex', gap: 2 }}>
          {settings.sideBySide && (
            <Pane caption={preview.mask ? 'Model preview' : 'Model mask'}>
              <Viewer {...viewerCommon} label="Model mask viewer" session={null} reference={reference} style={modelPaneStyle} tool={null} primary={false} />
            </Pane>
          )}
          <Pane caption={settings.sideBySide ? 'Corrected mask' : null}>
            <Viewer {...viewerCommon} label="Image viewer" session={editable?.session ?? null} reference={reference} style={style} tool={editable ? tool : null} primary />
          </Pane>
          {(frameState.error || maskError) && (
            <Alert color="red" title="Cannot show this image" style={{ position: 'absolute', top: 8, left: 8, right: 8 }}>
              {frameState.error ?? maskError}
            </Alert>
          )}
        </div>
        <DisplayPanel
          commands={commands}
          settings={{ ...settings, colour }}
          onChange={(patch) => update(patch)}
          windowStore={stores.window}
          stored={stored}
          hasStoredWindow={image.window !== null}
          presets={presets}
          units={units}
          frame={frame}
          frames={image.frames}
          onFrame={setFrame}
          area={
            <>
              <span style={{ display: 'block' }}>{size.slice}</span>
              {size.volume && <span style={{ display: 'block' }}>{size.volume}</span>}
            </>
          }
          sliceExtras={<VolumeSlices api={api} projectId={projectId} image={image} frame={frame} onFrame={setFrame} labelId={labelId} labelColour={colour} prompt={settings.prompt} threshold={settings.threshold} onSaved={onBatchSaved} saves={saves} />}
        />
      </Group>

      <Group gap="md" px="sm" py={2} style={{ borderTop: '1px solid var(--mantine-color-dark-4)', fontSize: 12 }} c="dimmed">
        <LiveText store={stores.view} format={(v) => (v ? `Zoom ${Math.round(v.transform.zoom * 100)}%` : '')} />
        <LiveText store={stores.hover} format={(p) => (p && p.x >= 0 && p.y >= 0 && p.x < image.width && p.y < image.height ? `x ${Math.floor(p.x)}, y ${Math.floor(p.y)}` : '')} />
        <span>{frameState.loading ? 'Loading…' : ''}</span>
        <span style={{ marginLeft: 'auto' }}>{session?.history.undoLabel ? `Last step: ${session.history.undoLabel}` : ''}</span>
        <span>Press ? for shortcuts</span>
      </Group>

      <ShortcutsOverlay opened={shortcutsOpen} onClose={() => setShortcutsOpen(false)} />
      <LeaveGuard
        opened={saver.guard !== null}
        fileName={image.fileName}
        count={dirtyCount}
        saving={saver.saving}
        error={saver.error}
        onStay={saver.guardActions.stay}
        onDiscard={saver.guardActions.discard}
        onSave={saver.guardActions.save}
      />
    </Stack>
  );
}

function Pane({ caption, children }: { caption: string | null; children: React.ReactNode }) {
  return (
    <div style={{ position: 'relative', flex: 1, minWidth: 0, display: 'flex' }}>
      {children}
      {caption && (
        <Text size="xs" style={{ position: 'absolute', top: 6, left: 8, pointerEvents: 'none', background: 'rgba(0,0,0,0.55)', padding: '1px 6px', borderRadius: 3 }}>
          {caption}
        </Text>
      )}
    </div>
  );
}
