// How many images each filter holds (the filter control shows them): four count-only queries.

import { useEffect, useState } from 'react';
import type { ImageFilter } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';

export type ImageCounts = Record<ImageFilter, number>;

const FILTERS: ImageFilter[] = ['all', 'not-started', 'model', 'corrected'];

export function useImageCounts(projectId: number, search: string, version: number): ImageCounts | null {
  const [counts, setCounts] = useState<ImageCounts | null>(null);
  useEffect(() => {
    let live = true;
    // Failures are reported by the page loads of the same query; counts just stay unknown.
    void Promise.all(FILTERS.map((filter) => getApi().listImages({ projectId, filter, search: search || undefined, limit: 0 }))).then((rs) => {
      if (!live || !rs.every((r) => r.ok)) return;
      setCounts(Object.fromEntries(FILTERS.map((f, i) => [f, (rs[i] as { ok: true; value: { total: number } }).value.total])) as ImageCounts);
    }).catch(() => undefined);
    return () => {
      live = false;
    };
  }, [projectId, search, version]);
  return counts;
}
