// The library screen: toolbar above the virtualised grid, or a hint when there is nothing to show.

import { Center, Loader, Stack, Text } from '@mantine/core';
import type { ImageFilter, ImageSort, ImageSummary } from '../../../main/contract/contract.ts';
import { LibraryToolbar } from './LibraryToolbar.tsx';
import { ThumbnailGrid } from './ThumbnailGrid.tsx';
import type { ImageCounts } from './useImageCounts.ts';
import type { ImagePages } from './useImagePages.ts';

export interface LibraryView {
  projectId: number;
  filter: ImageFilter;
  setFilter(f: ImageFilter): void;
  /** what is typed in the search box (the query follows it after a pause) */
  searchText: string;
  setSearchText(s: string): void;
  /** by name, or most informative first (docs/active-learning.md) */
  sort: ImageSort;
  setSort(s: ImageSort): void;
  pages: ImagePages;
  counts: ImageCounts | null;
  active: number;
  setActive(i: number): void;
}

export function Library({ view, onOpen, focusGrid }: { view: LibraryView; onOpen(index: number, image: ImageSummary): void; focusGrid?: boolean }) {
  const { pages, counts } = view;
  const total = pages.total;
  return (
    <Stack gap="xs" h="100%">
      <LibraryToolbar filter={view.filter} onFilter={view.setFilter} search={view.searchText} onSearch={view.setSearchText} counts={counts} shown={total} sort={view.sort} onSort={view.setSort} projectId={view.projectId} />
      <div style={{ flex: 1, minHeight: 0, border: '1px solid var(--mantine-color-dark-5)', borderRadius: 'var(--mantine-radius-sm)' }}>
        {total == null ? (
          <Center h="100%"><Loader size="sm" aria-label="Loading images" /></Center>
        ) : total === 0 ? (
          <Center h="100%">
            <Text size="sm" c="dimmed" ta="center" maw={420}>
              {counts?.all === 0
                ? 'No images in this project yet. Use Import in the side bar to add a folder or files (PNG, JPEG, DICOM, NIfTI, MedVLSM datasets).'
                : 'No image matches this filter and search.'}
            </Text>
          </Center>
        ) : (
          <ThumbnailGrid pages={pages} total={total} active={Math.min(view.active, total - 1)} onActive={view.setActive} onOpen={onOpen} autoFocus={focusGrid} />
        )}
      </div>
    </Stack>
  );
}
