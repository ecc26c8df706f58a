// Accept (save every unsaved mask of the image as corrected) and leaving the image: leaving with
// unsaved edits opens the guard (save, discard or stay) instead. Also the image's status as the
// workspace shows it, which saving moves on.

import { useCallback, useRef, useState } from 'react';
import type { ImageSummary } from '../../../../main/contract/contract.ts';
import type { FrameMasks, ImageMasks } from '../mask-sessions.ts';
import type { Leave } from '../workspace-commands.ts';

export interface AcceptAndLeaveDeps {
  masks: ImageMasks;
  editable: FrameMasks | null;
  /** what the prompt bar says: names a mask drawn by hand */
  prompt: string;
  initialStatus: ImageSummary['status'];
  remember(prompt: string): void;
  onSaved(): void;
  onClose(): void;
  onNavigate(delta: -1 | 1): void;
}

export interface AcceptAndLeave {
  saving: boolean;
  error: string | null;
  notice: string | null;
  status: ImageSummary['status'];
  /** the leave the guard is asking about; null: no guard open */
  guard: Leave | null;
  /** resolves true once everything unsaved is saved */
  accept(): Promise<boolean>;
  leave(l: Leave): void;
  showError(message: string): void;
  dismiss(): void;
  /** a model mask was recorded: the image's status (here and in the library's counts) moves on */
  modelMaskSaved(): void;
  guardActions: { stay(): void; discard(): void; save(): void };
}

export function useAcceptAndLeave(d: AcceptAndLeaveDeps): AcceptAndLeave {
  const { masks, editable, prompt, remember, onSaved, onClose, onNavigate } = d;
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [status, setStatus] = useState(d.initialStatus);
  const [guard, setGuard] = useState<Leave | null>(null);
  // a second Accept while one is saving does nothing (state would only show it after a render)
  const inFlight = useRef(false);

  const accept = useCallback(async (): Promise<boolean> => {
    const m = editable;
    if (!m || inFlight.current) return false;
    inFlight.current = true;
    setSaving(true);
    setError(null);
    setNotice(null);
    // A mask drawn by hand is named by what the prompt bar says: unnamed, Adapt could not learn from it.
    const typed = prompt.trim();
    if (m.prompt === null && m.labelId === null && typed !== '') m.prompt = typed;
    const r = await masks.saveAll(m);
    inFlight.current = false;
    setSaving(false);
    if (!r.ok) {
      setError(`${r.error.message} — your mask is kept; try Accept again.`);
      return false;
    }
    if (m.prompt) remember(m.prompt);
    setStatus('corrected');
    setNotice(r.value.length > 1 ? `Saved ${r.value.length} corrected masks` : 'Saved as the corrected mask');
    onSaved();
    return true;
  }, [masks, editable, prompt, remember, onSaved]);

  const perform = useCallback(
    (l: Leave) => {
      setGuard(null);
      if (l.kind === 'close') onClose();
      else onNavigate(l.delta);
    },
    [onClose, onNavigate],
  );
  const leave = useCallback(
    (l: Leave) => {
      editable?.session.commitStroke();
      if (masks.dirty().length > 0) setGuard(l);
      else perform(l);
    },
    [masks, editable, perform],
  );

  const modelMaskSaved = useCallback(() => {
    setStatus((s) => (s === 'not-started' ? 'model' : s));
    onSaved();
  }, [onSaved]);

  return {
    saving,
    error,
    notice,
    status,
    guard,
    accept,
    leave,
    showError: setError,
    dismiss: () => (error ? setError(null) : setNotice(null)),
    modelMaskSaved,
    guardActions: {
      stay: () => setGuard(null),
      discard: () => guard && perform(guard),
      save: () => {
        const g = guard;
        void accept().then((ok) => ok && g && perform(g));
      },
    },
  };
}
