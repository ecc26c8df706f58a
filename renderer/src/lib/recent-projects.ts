// "Recent projects": which projects were opened when, kept by the renderer (localStorage through
// useRecentProjects), and the order the projects screen lists them in.

export interface RecentEntry {
  projectId: number;
  /** ISO time the project was last opened */
  openedAt: string;
}

/** Entries remembered; older ones fall off. */
export const MAX_RECENT = 20;

/** The list after opening a project: it moves to the front with the new time. */
export function touchRecent(recent: readonly RecentEntry[], projectId: number, openedAt: string): RecentEntry[] {
  return [{ projectId, openedAt }, ...recent.filter((r) => r.projectId !== projectId)].slice(0, MAX_RECENT);
}

/** The list without projects that no longer exist (deleted here or by another window). */
export function pruneRecent(recent: readonly RecentEntry[], existing: Iterable<number>): RecentEntry[] {
  const ids = new Set(existing);
  return recent.filter((r) => ids.has(r.projectId));
}

/**
 * Projects in the order the projects screen shows them: opened ones first, most recently opened
 * first; then never-opened ones, newest created first; ties by id (newest first).
 */
export function orderProjects<P extends { id: number; createdAt: string }>(projects: readonly P[], recent: readonly RecentEntry[]): P[] {
  const opened = new Map<number, number>();
  for (const r of recent) {
    const t = Date.parse(r.openedAt);
    if (!opened.has(r.projectId) && Number.isFinite(t)) opened.set(r.projectId, t);
  }
  return projects.slice().sort((a, b) => {
    const ta = opened.get(a.id);
    const tb = opened.get(b.id);
    if (ta !== undefined && tb !== undefined) return tb - ta || b.id - a.id;
    if (ta !== undefined) return -1;
    if (tb !== undefined) return 1;
    return b.createdAt.localeCompare(a.createdAt) || b.id - a.id;
  });
}

/** The remembered list read back from storage text; anything malformed is dropped, never thrown. */
export function parseRecent(text: string | null): RecentEntry[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return [];
    return value
      .filter((r): r is RecentEntry => !!r && typeof r === 'object' && Number.isInteger((r as RecentEntry).projectId) && typeof (r as RecentEntry).openedAt === 'string')
      .map((r) => ({ projectId: r.projectId, openedAt: r.openedAt }))
      .slice(0, MAX_RECENT);
  } catch {
    return [];
  }
}
