// The library's state, kept by the project screen so the filter, search and active image survive
// opening an image in the workspace and coming back.

import { useDebouncedValue } from '@mantine/hooks';
import { useCallback, useState } from 'react';
import type { ImageFilter, ImageSort } from '../../../main/contract/contract.ts';
import type { LibraryView } from './Library.tsx';
import { useImageCounts } from './useImageCounts.ts';
import { useImagePages } from './useImagePages.ts';

const SEARCH_PAUSE_MS = 250;

export function useLibraryView(projectId: number, version: number): LibraryView {
  const [filter, setFilterState] = useState<ImageFilter>('all');
  const [searchText, setSearchState] = useState('');
  const [search] = useDebouncedValue(searchText.trim(), SEARCH_PAUSE_MS);
  const [active, setActive] = useState(0);
  const [sort, setSortState] = useState<ImageSort>('name');
  const pages = useImagePages(projectId, filter, search, version, sort);
  const counts = useImageCounts(projectId, search, version);
  const setFilter = useCallback((f: ImageFilter) => {
    setFilterState(f);
    setActive(0);
  }, []);
  const setSearchText = useCallback((s: string) => {
    setSearchState(s);
    setActive(0);
  }, []);
  const setSort = useCallback((s: ImageSort) => {
    setSortState(s);
    setActive(0);
  }, []);
  return { projectId, filter, setFilter, searchText, setSearchText, sort, setSort, pages, counts, active, setActive };
}
