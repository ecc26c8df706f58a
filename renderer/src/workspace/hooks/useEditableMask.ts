// The mask being edited: the (slice, label) edit session, loaded when either changes. Until the
// new one has loaded nothing is editable, so no edit lands on the wrong mask; a tool mid-gesture
// finishes on the mask it started on.

import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { FrameMasks, ImageMasks } from '../mask-sessions.ts';
import type { Mask } from '../mask/mask-ops.ts';
import type { Tool } from '../tools/tools.ts';

export interface EditableMask {
  /** the loaded masks of the shown slice and label; null while loading or after an error */
  editable: FrameMasks | null;
  /** why the masks could not be loaded */
  error: string | null;
  /** the stored model mask of the shown slice and label (changes when one is recorded) */
  model: Mask | null;
  /** a model mask was recorded for `editable` (FrameMasks.model changed in place) */
  modelSaved(): void;
}

/** `reload` changes when the stored masks changed (ImageMasks.storedChanged): the session is loaded again. */
export function useEditableMask(masks: ImageMasks, frame: number, labelId: number | null, tool: Tool, reload = 0): EditableMask {
  const [loaded, setLoaded] = useState<FrameMasks | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [modelVersion, setModelVersion] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    void masks.session(frame, labelId).then((r) => {
      if (!live) return;
      if (r.ok) setLoaded(r.value);
      else {
        setLoaded(null);
        setError(r.error.message);
      }
    });
    return () => {
      live = false;
    };
  }, [masks, frame, labelId, reload]);
  const editable = loaded && loaded.frame === frame && loaded.labelId === labelId ? loaded : null;

  // re-render on each edit (undo labels, area, the unsaved mark)
  const session = editable?.session ?? null;
  const subscribe = useCallback((cb: () => void) => (session ? session.onState(cb) : () => {}), [session]);
  useSyncExternalStore(subscribe, () => session?.stateVersion ?? -1);

  // leaving the mask (or the tool) ends the tool's gesture on this mask; deactivating is idempotent
  useEffect(() => {
    if (!editable) return;
    return () => tool.deactivate({ session: editable.session, brushSize: 1, hitRadius: 1 });
  }, [editable, tool]);

  const model = useMemo(() => editable?.model ?? null, [editable, modelVersion]);
  const modelSaved = useCallback(() => setModelVersion((v) => v + 1), []);
  return { editable, error, model, modelSaved };
}
