// The workspace's commands (what actions and buttons call), built over the workspace's state:
// the workspace rebuilds the object when that state changes, so commands never see a stale one.

import type { ApiResult, ImageSummary, MaskRecord } from '../../../main/contract/contract.ts';
import type { FrameMasks } from './mask-sessions.ts';
import type { ToolId, WorkspaceCommands } from './actions.ts';
import { replacePixels, type Mask } from './mask/mask-ops.ts';
import type { PreviewState } from './prompt/preview-controller.ts';
import { isPolygonTool, type ToolEnv, type Tools } from './tools/tools.ts';
import type { DisplaySettings } from './ui/DisplayPanel.tsx';
import { BRUSH_SIZES } from './ui/ToolBar.tsx';
import { fitView, stepZoom, type ViewStores } from './ui/view-stores.ts';
import { CT_PRESETS, type WindowLevel } from './view/window-level.ts';

/** What the user set; carries over from image to image. */
export interface Settings extends Omit<DisplaySettings, 'colour'> {
  tool: ToolId;
  brushSize: number;
  minIslandArea: number;
  prompt: string;
  threshold: number;
  labelId: number | null;
  /** null: the label's colour */
  colour: string | null;
}

export type Leave = { kind: 'navigate'; delta: -1 | 1 } | { kind: 'close' };

export interface CommandDeps {
  current(): { settings: Settings; editable: FrameMasks | null; usablePreview: Mask | null; preview: PreviewState };
  update(patch: Partial<Settings>): void;
  tools: Tools;
  env(): ToolEnv | null;
  stores: ViewStores;
  image: ImageSummary;
  stored: WindowLevel;
  presets: boolean;
  masks: { saveModel(m: FrameMasks, prompt: string, threshold: number): Promise<ApiResult<MaskRecord>> };
  remember(prompt: string): void;
  modelMaskSaved(): void;
  showError(message: string): void;
  stepFrame(delta: -1 | 1): void;
  leave(l: Leave): void;
  accept(): void;
  focusPrompt(): void;
  toggleShortcuts(): void;
}

export function createWorkspaceCommands(d: CommandDeps): WorkspaceCommands {
  const now = d.current;
  return {
    edit: (label, edit) => {
      now().editable?.session.apply(label, edit);
    },
    minIslandArea: () => now().settings.minIslandArea,
    selectTool: (tool) => {
      const env = d.env();
      if (env) d.tools[now().settings.tool].deactivate(env);
      d.update({ tool });
    },
    stepBrushSize: (dir) => {
      const s = now().settings.brushSize;
      // about 25 % a step, at least one pixel
      const next = dir > 0 ? Math.max(s + 1, Math.round(s * 1.25)) : Math.min(s - 1, Math.round(s / 1.25));
      d.update({ brushSize: Math.min(BRUSH_SIZES.max, Math.max(BRUSH_SIZES.min, next)) });
    },
    usePreview: () => {
      const { editable: m, usablePreview: p, preview } = now();
      if (!m || !p || preview.status !== 'ready') return;
      m.session.apply('use model mask', (mask) => replacePixels(mask, p.pixels));
      const prompt = preview.query.prompt.trim();
      m.prompt = prompt;
      d.remember(prompt);
      // the model's own mask is recorded too (kept apart from the correction); a failure leaves the edit alone
      void d.masks.saveModel(m, prompt, preview.query.threshold).then((r) => {
        if (r.ok) d.modelMaskSaved();
        else d.showError(`The model's mask was not recorded: ${r.error.message}`);
      });
    },
    undo: () => {
      now().editable?.session.undo();
    },
    redo: () => {
      now().editable?.session.redo();
    },
    polygon: (c) => {
      const t = d.tools[now().settings.tool];
      const env = d.env();
      if (env && isPolygonTool(t)) t.command(c, env);
      d.stores.overlayTick.update((n) => n + 1);
    },
    zoom: (dir) => stepZoom(d.stores, dir),
    fit: () => fitView(d.stores, d.image),
    toggle: (what) => {
      const s = now().settings;
      if (what === 'model') d.update({ showModel: !s.showModel });
      else if (what === 'side-by-side') d.update({ sideBySide: !s.sideBySide });
      else d.update({ showOverlay: !s.showOverlay });
    },
    stepOpacity: (dir) => d.update({ opacity: Math.round(Math.min(1, Math.max(0, now().settings.opacity + dir * 0.1)) * 100) / 100 }),
    windowPreset: (id) => {
      const p = CT_PRESETS.find((x) => x.id === id);
      if (p) d.stores.window.set({ center: p.center, width: p.width });
    },
    resetWindow: () => d.stores.window.set(d.stored),
    stepFrame: d.stepFrame,
    navigate: (delta) => d.leave({ kind: 'navigate', delta }),
    accept: d.accept,
    focusPrompt: d.focusPrompt,
    toggleShortcuts: d.toggleShortcuts,
    get state() {
      const s = now();
      const t = d.tools[s.settings.tool];
      return {
        canUndo: !!s.editable && s.editable.session.history.undoDepth > 0,
        canRedo: !!s.editable && s.editable.session.history.redoDepth > 0,
        hasPreview: !!s.editable && !!s.usablePreview,
        polygonOpen: isPolygonTool(t) && t.open,
        frames: d.image.frames,
        presets: d.presets,
      };
    },
  };
}
