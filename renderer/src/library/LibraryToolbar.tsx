// Filter by mask status (with counts), search by file name, order by name or most informative
// first, and score the slices that order reads.

import { ActionIcon, Group, SegmentedControl, Select, Text, TextInput } from '@mantine/core';
import { IconSearch, IconX } from '@tabler/icons-react';
import type { ImageFilter, ImageSort } from '../../../main/contract/contract.ts';
import { ScoreSlices } from './ScoreSlices.tsx';
import type { ImageCounts } from './useImageCounts.ts';

const FILTERS: { value: ImageFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'not-started', label: 'Not started' },
  { value: 'model', label: 'Model mask' },
  { value: 'corrected', label: 'Corrected' },
];

const SORTS: { value: ImageSort; label: string }[] = [
  { value: 'name', label: 'By name' },
  { value: 'informative', label: 'Most informative first' },
];

export function LibraryToolbar({ filter, onFilter, search, onSearch, counts, shown, sort, onSort, projectId }: {
  filter: ImageFilter;
  onFilter(f: ImageFilter): void;
  search: string;
  onSearch(s: string): void;
  counts: ImageCounts | null;
  /** images matching filter and search; null while loading */
  shown: number | null;
  sort: ImageSort;
  onSort(s: ImageSort): void;
  projectId: number;
}) {
  return (
    <Group justify="space-between" gap="sm" wrap="wrap">
      <Group gap="sm" wrap="wrap">
        <SegmentedControl
          aria-label="Filter images"
          value={filter}
          onChange={(v) => onFilter(v as ImageFilter)}
          data={FILTERS.map((f) => ({
            value: f.value,
            label: (
              <span>
                {f.label}
                {counts && <Text span size="xs" c="dimmed" ml={6} aria-hidden>{counts[f.value].toLocaleString('en-US')}</Text>}
              </span>
            ),
          }))}
        />
        <TextInput
          aria-label="Search images"
          placeholder="Search by file name"
          type="search"
          value={search}
          onChange={(e) => onSearch(e.currentTarget.value)}
          leftSection={<IconSearch size={14} aria-hidden />}
          rightSection={search ? <ActionIcon size="sm" aria-label="Clear search" onClick={() => onSearch('')}><IconX size={12} /></ActionIcon> : null}
          w={240}
        />
        <Select aria-label="Sort images" size="sm" w={210} data={SORTS} value={sort} onChange={(v) => v && onSort(v as ImageSort)} allowDeselect={false} />
        <ScoreSlices projectId={projectId} />
      </Group>
      <Text size="xs" c="dimmed" role="status" aria-live="polite">
        {shown == null ? 'Loading…' : counts && shown !== counts.all ? `${shown.toLocaleString('en-US')} of ${counts.all.toLocaleString('en-US')} images` : `${shown.toLocaleString('en-US')} images`}
      </Text>
    </Group>
  );
}
