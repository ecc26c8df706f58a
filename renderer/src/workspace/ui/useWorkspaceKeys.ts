// Keys for the workspace: registered actions through the registry (text fields keep their keys,
// except actions marked for them), and Space held for panning. Listens on window while mounted.

import { useEffect, useRef } from 'react';
import { workspaceActions, type WorkspaceCommands } from '../actions.ts';

function isTextField(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  return t instanceof HTMLInputElement && !['checkbox', 'radio', 'range', 'button', 'submit', 'color'].includes(t.type);
}

/** Returns whether Space is held (read by the viewers when a drag starts). */
export function useWorkspaceKeys(commands: WorkspaceCommands, dialogOpen: () => boolean): () => boolean {
  const space = useRef(false);
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || dialogOpen()) return; // an open dialog has the keys
      const inText = isTextField(e.target);
      if (e.key === ' ' && !inText && !(e.target instanceof HTMLButtonElement)) {
        space.current = true;
        e.preventDefault(); // no page scroll
        return;
      }
      const a = workspaceActions.forKey(e, commands, inText);
      if (!a || (e.repeat && a.id === 'accept')) return;
      e.preventDefault();
      a.run(commands);
    };
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.key === ' ') space.current = false;
    };
    const onBlur = () => {
      space.current = false;
    };
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('keyup', onKeyUp);
    window.addEventListener('blur', onBlur);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('keyup', onKeyUp);
      window.removeEventListener('blur', onBlur);
    };
  }, [commands, dialogOpen]);
  return () => space.current;
}
