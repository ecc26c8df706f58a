// Recently opened projects, remembered in localStorage (the first entry is the last opened one,
// which the app reopens at start).

import { useCallback, useState } from 'react';
import { parseRecent, pruneRecent, touchRecent, type RecentEntry } from '../lib/recent-projects.ts';

const KEY = 'delineate.recentProjects';

function read(): RecentEntry[] {
  try {
    return parseRecent(localStorage.getItem(KEY));
  } catch {
    return []; // storage disabled: recent projects are a convenience, not data
  }
}

function write(list: RecentEntry[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(list));
  } catch {
    // ignored, as above
  }
}

export function useRecentProjects(): { recent: RecentEntry[]; opened(projectId: number): void; prune(existing: number[]): void } {
  const [recent, setRecent] = useState<RecentEntry[]>(read);
  const opened = useCallback((projectId: number) => {
    setRecent((list) => {
      const next = touchRecent(list, projectId, new Date().toISOString());
      write(next);
      return next;
    });
  }, []);
  const prune = useCallback((existing: number[]) => {
    setRecent((list) => {
      const next = pruneRecent(list, existing);
      if (next.length === list.length) return list;
      write(next);
      return next;
    });
  }, []);
  return { recent, opened, prune };
}
