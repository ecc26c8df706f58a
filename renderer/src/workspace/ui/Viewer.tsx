// One image viewer: two stacked canvases driven by a ViewerRenderer, input attached directly.
// React props change only on real state changes (tool, mask, style, a new frame); pan, zoom,
// window/level and the cursor flow through the shared stores straight to the canvases. The frame
// is remapped at once to the window on screen (window-level.ts) and, once that window settles
// (exact-window.ts), asked for made exactly with it; the exact frame arrives as a new `frame`.
// The slice is shown in the radiological convention (view/orientation.ts) with the patient
// direction lettered at each edge; input maps back to source pixels through the same turn.

import { useEffect, useMemo, useRef } from 'react';
import type { EditSession } from '../mask/edit-session.ts';
import type { Mask } from '../mask/mask-ops.ts';
import type { Tool, ToolEnv } from '../tools/tools.ts';
import { canvasLengthToImage } from '../view/coords.ts';
import { WindowSettler } from '../view/exact-window.ts';
import { displayOrientation, type DisplayOrientation } from '../view/orientation.ts';
import { displayLut, isIdentityLut, type WindowLevel } from '../view/window-level.ts';
import type { FrameBitmap } from './useFrameBitmap.ts';
import { attachViewerInput } from './viewer-input.ts';
import { ViewerRenderer, type OverlayStyle } from './viewer-renderer.ts';
import { fitView, type ViewedImage, type ViewStores } from './view-stores.ts';

export interface ViewerProps {
  /** the canvas's accessible name */
  label: string;
  image: ViewedImage;
  /** the frame and the window the core made it with */
  frame: FrameBitmap | null;
  /** the import's window: Reset goes back to it, and it sets the right-drag's rate */
  stored: WindowLevel;
  session: EditSession | null;
  reference: Mask | null;
  style: OverlayStyle;
  stores: ViewStores;
  /** null: read-only (pan, zoom and window only) */
  tool: Tool | null;
  brushSize: number;
  env: () => ToolEnv | null;
  spaceHeld: () => boolean;
  stepFrame: (delta: -1 | 1) => void;
  /** the viewer whose size decides "fit" */
  primary: boolean;
}

/** Remaps the frame from the window it was made with to the one on screen (none when they agree). */
function applyLut(r: ViewerRenderer, frame: FrameBitmap | null, stored: WindowLevel, shown: WindowLevel): void {
  const lut = displayLut(frame?.window ?? stored, shown);
  r.setLut(isIdentityLut(lut) ? null : lut);
}

/** Image pixels within this many CSS pixels count as "on" a point (closing a polygon). */
const HIT_CSS_PX = 6;

export function Viewer(props: ViewerProps) {
  const box = useRef<HTMLDivElement>(null);
  const imageCanvas = useRef<HTMLCanvasElement>(null);
  const overlayCanvas = useRef<HTMLCanvasElement>(null);
  const renderer = useRef<ViewerRenderer | null>(null);
  // the input listeners and the feedback painter read the newest props through this
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const r = new ViewerRenderer(imageCanvas.current!, overlayCanvas.current!, latest.current.style);
    renderer.current = r;
    const { stores } = latest.current;
    r.feedback = () => {
      const p = latest.current;
      const v = stores.view.get();
      if (!p.tool || !v) return null;
      return p.tool.feedback(stores.hover.get(), { brushSize: p.brushSize, hitRadius: canvasLengthToImage(v.transform, HIT_CSS_PX) });
    };
    const settler = new WindowSettler((w) => latest.current.frame?.requestWindow?.(w));
    const onWindow = (w: WindowLevel) => {
      applyLut(r, latest.current.frame, latest.current.stored, w);
      settler.update(w, stores.windowDrag.get());
    };
    applyLut(r, latest.current.frame, latest.current.stored, stores.window.get());
    r.setTransform(stores.view.get()?.transform ?? null);
    const offView = stores.view.subscribe((v) => r.setTransform(v?.transform ?? null));
    const offWindow = stores.window.subscribe(onWindow);
    const offDrag = stores.windowDrag.subscribe((dragging) => settler.update(stores.window.get(), dragging));
    const offHover = stores.hover.subscribe(() => r.invalidate('overlay'));
    const offTick = stores.overlayTick.subscribe(() => r.invalidate('overlay'));

    const resize = () => {
      const el = box.current;
      if (!el) return;
      const { width, height } = el.getBoundingClientRect();
      r.resize(width, height, window.devicePixelRatio || 1);
      const p = latest.current;
      if (!p.primary) return;
      stores.viewport.set({ width, height });
      const v = stores.view.get();
      if (!v || v.fitted) fitView(stores, p.image);
    };
    const observer = new ResizeObserver(resize);
    observer.observe(box.current!);
    resize();

    const detach = attachViewerInput({
      canvas: overlayCanvas.current!,
      view: stores.view,
      window: stores.window,
      windowDrag: stores.windowDrag,
      storedWindow: () => latest.current.stored,
      hover: stores.hover,
      tool: () => latest.current.tool,
      env: () => (latest.current.tool ? latest.current.env() : null),
      spaceHeld: () => latest.current.spaceHeld(),
      stepFrame: (d) => latest.current.stepFrame(d),
      repaintOverlay: () => r.invalidate('overlay'),
    });
    return () => {
      detach();
      observer.disconnect();
      offView();
      offWindow();
      offDrag();
      settler.dispose();
      offHover();
      offTick();
      r.dispose();
      renderer.current = null;
    };
  }, []);

  const { frame, session, reference, style, tool, brushSize, stores, stored } = props;
  useEffect(() => {
    const r = renderer.current;
    if (!r) return;
    r.setFrame(frame?.bitmap ?? null);
    const w = stores.window.get();
    applyLut(r, frame, stored, w);
    // a frame made before the window last changed (a new slice, a preset clicked while loading)
    if (frame && !stores.windowDrag.get()) frame.requestWindow?.(w);
  }, [frame, stored, stores]);
  useEffect(() => renderer.current?.setSession(session), [session]);
  useEffect(() => renderer.current?.setReference(reference), [reference]);
  useEffect(() => renderer.current?.setStyle(style), [style]);
  useEffect(() => renderer.current?.invalidate('overlay'), [tool, brushSize]);

  const orientation = useMemo(() => displayOrientation(props.image.affine), [props.image.affine]);
  const cursor = !tool || tool.id === 'hand' ? 'grab' : 'crosshair';
  return (
    <div ref={box} style={{ position: 'relative', flex: 1, minWidth: 0, minHeight: 0, overflow: 'hidden', background: '#000' }}>
      <canvas ref={imageCanvas} aria-hidden style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }} />
      <canvas
        ref={overlayCanvas}
        role="img"
        aria-label={props.label}
        tabIndex={0}
        style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', cursor, touchAction: 'none', outline: 'none' }}
      />
      <OrientationLetters orientation={orientation} />
    </div>
  );
}

const EDGE_NAMES = { R: 'right', L: 'left', A: 'anterior', P: 'posterior', S: 'superior', I: 'inferior' } as const;

/** The patient direction at each edge of the viewer (none for images without a patient orientation). */
function OrientationLetters({ orientation }: { orientation: DisplayOrientation }) {
  const { edges, plane } = orientation;
  if (!edges) return null;
  const at = { top: { top: 4, left: '50%', transform: 'translateX(-50%)' }, bottom: { bottom: 4, left: '50%', transform: 'translateX(-50%)' }, left: { left: 6, top: '50%', transform: 'translateY(-50%)' }, right: { right: 6, top: '50%', transform: 'translateY(-50%)' } } as const;
  const summary = `${plane} view: top ${EDGE_NAMES[edges.top]}, bottom ${EDGE_NAMES[edges.bottom]}, left ${EDGE_NAMES[edges.left]}, right ${EDGE_NAMES[edges.right]}`;
  return (
    <div role="note" aria-label={`Orientation, ${summary}`} style={{ position: 'absolute', inset: 0, pointerEvents: 'none' }}>
      {(['top', 'bottom', 'left', 'right'] as const).map((edge) => (
        <span
          key={edge}
          data-edge={edge}
          aria-hidden
          style={{ position: 'absolute', ...at[edge], color: '#ffd43b', font: '600 13px/1 system-ui, sans-serif', textShadow: '0 0 3px #000, 0 0 2px #000' }}
        >
          {edges[edge]}
        </span>
      ))}
    </div>
  );
}
