// The library's images, fetched a page at a time as the grid scrolls (thousands of images never
// load at once). A new project/filter/search starts over; a new `version` (after an import or a
// save) refetches the pages in view while the old ones stay on screen, so nothing flickers.

import { useCallback, useEffect, useRef, useState } from 'react';
import type { ImageFilter, ImageSort, ImageSummary } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { pagesForRange } from '../lib/grid.ts';

export const PAGE_SIZE = 200;

export interface ImagePages {
  /** images matching the filter; null until the first page arrives */
  total: number | null;
  item(index: number): ImageSummary | undefined;
  /** Asks for the pages covering items [first, last] (the grid calls it with what is in view). */
  requestRange(first: number, last: number): void;
  /** The image at an index, fetching its page if needed (workspace next/previous). */
  fetchAt(index: number): Promise<ImageSummary | undefined>;
}

function emptyStore(key: string) {
  return { key, total: null as number | null, pages: new Map<number, ImageSummary[]>(), fresh: new Set<number>(), inflight: new Map<number, Promise<void>>(), range: [0, PAGE_SIZE - 1] as [number, number] };
}

export function useImagePages(projectId: number, filter: ImageFilter, search: string, version: number, sort: ImageSort = 'name'): ImagePages {
  const call = useApiCall();
  const key = `${projectId}\u0000${filter}\u0000${search}\u0000${sort}`;
  const store = useRef(emptyStore(key));
  // A new query starts over at once (during render, so the grid's effects already ask the new one).
  if (store.current.key !== key) store.current = emptyStore(key);
  const [, setTick] = useState(0);
  const rerender = useCallback(() => setTick((t) => t + 1), []);

  const load = useCallback((page: number): Promise<void> => {
    const s = store.current;
    const pending = s.inflight.get(page);
    if (pending) return pending;
    const forKey = s.key;
    const p = call('Load images', () => getApi().listImages({ projectId, filter, search: search || undefined, offset: page * PAGE_SIZE, limit: PAGE_SIZE, sort })).then((r) => {
      if (store.current.key !== forKey) return; // the filter changed meanwhile
      s.inflight.delete(page);
      if (!r.ok) return;
      s.total = r.value.total;
      s.pages.set(page, r.value.images);
      s.fresh.add(page);
      rerender();
    });
    s.inflight.set(page, p);
    return p;
  }, [call, projectId, filter, search, sort, rerender]);

  const requestRange = useCallback((first: number, last: number) => {
    const s = store.current;
    s.range = [first, last];
    const total = s.total ?? PAGE_SIZE;
    for (const page of pagesForRange(first, last, PAGE_SIZE, total)) if (!s.fresh.has(page)) void load(page);
  }, [load]);

  // A new query: its first page (which brings the total).
  useEffect(() => {
    void load(0);
  }, [key, load]);

  // Same query, newer data: refetch what is in view, keep showing the old pages until then.
  const firstVersion = useRef(version);
  useEffect(() => {
    if (version === firstVersion.current) return;
    const s = store.current;
    s.fresh.clear();
    s.inflight.clear();
    requestRange(s.range[0], s.range[1]);
    void load(0); // the total may have changed
  }, [version, requestRange, load]);

  const item = useCallback((index: number) => store.current.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE], []);

  const fetchAt = useCallback(async (index: number) => {
    const s = store.current;
    if (index < 0 || (s.total != null && index >= s.total)) return undefined;
    const page = Math.floor(index / PAGE_SIZE);
    if (!s.pages.has(page)) await load(page);
    return store.current.pages.get(page)?.[index % PAGE_SIZE];
  }, [load]);

  return { total: store.current.total, item, requestRange, fetchAt };
}
