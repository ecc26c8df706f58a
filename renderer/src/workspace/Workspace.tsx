// The image workspace: prompt → live model preview → "Use this mask" → correct with the tools →
// Accept (saved as the corrected mask). The viewer, tools and mask logic live in their own
// modules; this component wires them to the API and to the action registry, which is the one
// place keys, buttons and the shortcuts overlay come from.
//
// Per-image state (masks, slice, view, window, preview) resets when the image changes; the
// user's settings (tool, brush, overlay, prompt, threshold, label) carry over to the next image,
// so segmenting the same structure across a series is one keystroke per image.

import { Alert, Group, Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ImageSummary, LabelInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../../bridge/api.ts';
import { ImageMasks, type FrameMasks } from './mask-sessions.ts';
import { createWorkspaceCommands, type Leave, type Settings } from './workspace-commands.ts';
import { workspaceActions } from './actions.ts';
import type { Mask } from './mask/mask-ops.ts';
import { PreviewController, type PreviewState } from './prompt/preview-controller.ts';
import { loadRecentPrompts, rememberPrompt, type KeyValueStore } from './prompt/recent-prompts.ts';
import { createTools, type ToolEnv } from './tools/tools.ts';
import { DisplayPanel } from './ui/DisplayPanel.tsx';
import { LeaveGuard } from './ui/LeaveGuard.tsx';
import { LiveText } from './ui/LiveText.tsx';
import { PromptBar } from './ui/PromptBar.tsx';
import { ShortcutsOverlay } from './ui/ShortcutsOverlay.tsx';
import { ToolBar } from './ui/ToolBar.tsx';
import { useFrameBitmap } from './ui/useFrameBitmap.ts';
import { useWorkspaceKeys } from './ui/useWorkspaceKeys.ts';
import { Viewer } from './ui/Viewer.tsx';
import { WorkspaceHeader } from './ui/WorkspaceHeader.tsx';
import { createViewStores } from './ui/view-stores.ts';
import type { OverlayStyle } from './ui/viewer-renderer.ts';
import { canvasLengthToImage } from './view/coords.ts';
import { presetsApply, storedWindow } from './view/window-level.ts';

export interface WorkspaceProps {
  projectId: number;
  image: ImageSummary;
  labels: LabelInfo[];
  onNavigate(delta: -1 | 1): void;
  onClose(): void;
  /** a mask of this image was saved (corrected, or the model's): counts and statuses changed */
  onSaved(): void;
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
  return <ImageWorkspace key={props.image.id} {...props} settings={{ ...settings, labelId }} update={update} />;
}

function ImageWorkspace({ projectId, image, labels, settings, update, onNavigate, onClose, onSaved }: WorkspaceProps & { settings: Settings; update(patch: Partial<Settings>): void }) {
  // this component is keyed by image id: these live as long as the image is open, even if the
  // shell hands over a fresh ImageSummary object for it (unsaved sessions must not be dropped)
  const [api] = useState(getApi);
  const [masks] = useState(() => new ImageMasks(api, image));
  const [stored] = useState(() => storedWindow(image));
  const [stores] = useState(() => createViewStores(stored));
  const [tools] = useState(createTools);
  const presets = presetsApply(image);

  const [frame, setFrame] = useState(() => Math.floor(image.frames / 2));
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

  // ---- the mask being edited --------------------------------------------------------------
  const [current, setCurrent] = useState<FrameMasks | null>(null);
  const [maskError, setMaskError] = useState<string | null>(null);
  const [modelVersion, setModelVersion] = useState(0);
  useEffect(() => {
    let live = true;
    setMaskError(null);
    void masks.session(frame, labelId).then((r) => {
      if (!live) return;
      if (r.ok) setCurrent(r.value);
      else {
        setCurrent(null);
        setMaskError(r.error.message);
      }
    });
    return () => {
      live = false;
    };
  }, [masks, frame, labelId]);
  // until the new slice's or label's mask is loaded nothing is editable (no edits on the wrong mask)
  const editable = current && current.frame === frame && current.labelId === labelId ? current : null;
  const session = editable?.session ?? null;
  const subscribe = useCallback((cb: () => void) => (session ? session.onState(cb) : () => {}), [session]);
  useSyncExternalStore(subscribe, () => session?.stateVersion ?? -1);

  // a tool mid-gesture finishes on the mask it started on
  useEffect(() => {
    if (!editable) return;
    return () => tools[latest.current.settings.tool].deactivate({ session: editable.session, brushSize: 1, hitRadius: 1 });
  }, [editable, tools]);

  // ---- preview ------------------------------------------------------------------------------
  const [preview, setPreview] = useState<PreviewState>({ status: 'idle' });
  const controller = useRef<PreviewController | null>(null);
  const shownPrompt = useRef<string | null>(null);
  useEffect(() => {
    const c = new PreviewController(
      (q) => api.previewMask({ imageId: image.id, frame: q.frame, prompt: q.prompt, threshold: q.threshold }),
      (s) => {
        setPreview(s);
        // a new prompt's first preview turns the model layer on; threshold changes leave the toggle alone
        if (s.status === 'ready' && s.query.prompt !== shownPrompt.current) {
          shownPrompt.current = s.query.prompt;
          update({ showModel: true });
        }
      },
    );
    controller.current = c;
    return () => c.dispose();
  }, [api, image.id, update]);
  useEffect(() => {
    controller.current?.request({ prompt: settings.prompt, threshold: settings.threshold, frame });
  }, [settings.prompt, settings.threshold, frame]);
  const previewMask = useMemo((): Mask | string | null => {
    if (preview.status !== 'ready' || preview.query.frame !== frame) return null;
    const r = preview.result;
    if (r.width !== image.width || r.height !== image.height || r.pixels.length !== r.width * r.height) {
      return `the model's mask is ${r.width}×${r.height} but the image is ${image.width}×${image.height}`;
    }
    return { width: r.width, height: r.height, pixels: r.pixels };
  }, [preview, frame, image.width, image.height]);
  const previewError = typeof previewMask === 'string' ? previewMask : null;
  const usablePreview = typeof previewMask === 'string' ? null : previewMask;
  const reference = useMemo(() => usablePreview ?? editable?.model ?? null, [usablePreview, editable, modelVersion]);

  const [recent, setRecent] = useState(() => loadRecentPrompts(storage(), projectId));

  // ---- saving and leaving -------------------------------------------------------------------
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [status, setStatus] = useState(image.status);
  const [guard, setGuard] = useState<Leave | null>(null);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const promptInput = useRef<HTMLInputElement>(null);

  // commands and listeners read the newest state through this, so they are created once
  const latest = useRef({ settings, editable, preview, usablePreview, frame, saving, guard, shortcutsOpen, onNavigate, onClose, onSaved });
  latest.current = { settings, editable, preview, usablePreview, frame, saving, guard, shortcutsOpen, onNavigate, onClose, onSaved };

  const env = useCallback((): ToolEnv | null => {
    const m = latest.current.editable;
    if (!m) return null;
    const v = stores.view.get();
    return { session: m.session, brushSize: latest.current.settings.brushSize, hitRadius: v ? canvasLengthToImage(v.transform, HIT_CSS_PX) : 1 };
  }, [stores]);

  const accept = useCallback(async (): Promise<boolean> => {
    const m = latest.current.editable;
    if (!m || latest.current.saving) return false;
    setSaving(true);
    setSaveError(null);
    setNotice(null);
    // A mask drawn by hand is named by what the prompt bar says: unnamed, Adapt could not learn from it.
    const typed = latest.current.settings.prompt.trim();
    if (m.prompt === null && m.labelId === null && typed !== '') m.prompt = typed;
    const r = await masks.saveAll(m);
    setSaving(false);
    if (!r.ok) {
      setSaveError(`${r.error.message} — your mask is kept; try Accept again.`);
      return false;
    }
    if (m.prompt) setRecent(rememberPrompt(storage(), projectId, m.prompt));
    setStatus('corrected');
    setNotice(r.value.length > 1 ? `Saved ${r.value.length} corrected masks` : 'Saved as the corrected mask');
    latest.current.onSaved();
    return true;
  }, [masks, projectId]);

  const perform = useCallback((l: Leave) => {
    setGuard(null);
    if (l.kind === 'close') latest.current.onClose();
    else latest.current.onNavigate(l.delta);
  }, []);
  const leave = useCallback((l: Leave) => {
    latest.current.editable?.session.commitStroke();
    if (masks.dirty().length > 0) setGuard(l);
    else perform(l);
  }, [masks, perform]);

  const stepFrame = useCallback((d: -1 | 1) => setFrame((f) => Math.min(image.frames - 1, Math.max(0, f + d))), [image.frames]);

  const commands = useMemo(
    () =>
      createWorkspaceCommands({
        current: () => latest.current,
        update,
        tools,
        env,
        stores,
        image,
        stored,
        presets,
        masks,
        remember: (prompt) => setRecent(rememberPrompt(storage(), projectId, prompt)),
        modelMaskSaved: () => {
          setModelVersion((v) => v + 1);
          // the image has a model mask now: its status (here and in the library's counts) moves on
          setStatus((s) => (s === 'not-started' ? 'model' : s));
          latest.current.onSaved();
        },
        showError: setSaveError,
        stepFrame,
        leave,
        accept: () => void accept(),
        focusPrompt: () => promptInput.current?.focus(),
        toggleShortcuts: () => setShortcutsOpen((o) => !o),
      }),
    [env, tools, update, masks, projectId, stores, image, stored, stepFrame, leave, accept, presets],
  );

  const dialogOpen = useCallback(() => latest.current.guard !== null || latest.current.shortcutsOpen, []);
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
  const area = session ? session.area : 0;
  const spacing = image.pixelSpacing && image.pixelSpacing.length >= 2 ? image.pixelSpacing[0] * image.pixelSpacing[1] : null;
  const areaText = session ? `Mask area ${area.toLocaleString()} px${spacing ? ` (${(area * spacing).toFixed(1)} mm²)` : ''}` : '';
  const units = presets ? ' HU' : '';
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
        status={status}
        unsaved={dirtyCount > 0}
        labels={labels}
        labelId={labelId}
        onLabel={(l) => update({ labelId: l })}
        commands={commands}
        onClose={() => leave({ kind: 'close' })}
        saving={saving}
        canAccept={!!editable}
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
        preview={previewError && preview.status === 'ready' ? { status: 'error', query: preview.query, error: { code: 'invalid', message: previewError } } : preview}
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

      {(saveError || notice) && (
        <Alert
          color={saveError ? 'red' : 'green'}
          variant="light"
          py={4}
          mx="sm"
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => (saveError ? setSaveError(null) : setNotice(null))}
          role={saveError ? 'alert' : 'status'}
        >
          {saveError ?? notice}
        </Alert>
      )}

      <Group gap={0} wrap="nowrap" align="stretch" style={{ flex: 1, minHeight: 0 }}>
        <div style={{ position: 'relative', flex: 1, minWidth: 0, display: 'flex', gap: 2 }}>
          {settings.sideBySide && (
            <Pane caption={usablePreview ? 'Model preview' : 'Model mask'}>
              <Viewer {...viewerCommon} label="Model mask viewer" session={null} reference={reference} style={modelPaneStyle} tool={null} primary={false} />
            </Pane>
          )}
          <Pane caption={settings.sideBySide ? 'Corrected mask' : null}>
            <Viewer {...viewerCommon} label="Image viewer" session={editable?.session ?? null} reference={reference} style={style} tool={editable ? tools[settings.tool] : null} primary />
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
          area={areaText}
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
        opened={guard !== null}
        fileName={image.fileName}
        count={dirtyCount}
        saving={saving}
        error={saveError}
        onStay={() => setGuard(null)}
        onDiscard={() => guard && perform(guard)}
        onSave={() => {
          const g = guard;
          void accept().then((ok) => ok && g && perform(g));
        }}
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
