// Recent prompts per project, newest first, kept in localStorage (injected, so tests use a Map).
// Storage can be full, disabled or hold junk from another version: every failure degrades to "no
// recent prompts" rather than breaking the prompt bar.

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const RECENT_PROMPTS_LIMIT = 8;

export function recentPromptsKey(projectId: number): string {
  return `delineate.recentPrompts.${projectId}`;
}

export function loadRecentPrompts(store: KeyValueStore | null, projectId: number): string[] {
  try {
    const raw = store?.getItem(recentPromptsKey(projectId));
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string' && p.trim() !== '').slice(0, RECENT_PROMPTS_LIMIT) : [];
  } catch {
    return [];
  }
}

/** Moves `prompt` to the front (case-insensitive de-duplication), keeps the newest few, saves; returns the new list. */
export function rememberPrompt(store: KeyValueStore | null, projectId: number, prompt: string, limit = RECENT_PROMPTS_LIMIT): string[] {
  const p = prompt.trim();
  const current = loadRecentPrompts(store, projectId);
  if (!p) return current;
  const next = [p, ...current.filter((q) => q.toLowerCase() !== p.toLowerCase())].slice(0, limit);
  try {
    store?.setItem(recentPromptsKey(projectId), JSON.stringify(next));
  } catch {
    // quota or disabled storage: the list still updates for this session
  }
  return next;
}
