// The library's virtualised grid: rows of as many cards as fit the width, only the rows in view
// (plus a few) rendered, pages of listImages fetched as rows come into view. Keyboard: the grid
// is one listbox holding the focus; arrows/Page/Home/End move the active card, Enter opens it.

import { Box } from '@mantine/core';
import { useElementSize, useMergedRef } from '@mantine/hooks';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, type KeyboardEvent } from 'react';
import type { ImageSummary } from '../../../main/contract/contract.ts';
import { gridColumns, moveGridFocus } from '../lib/grid.ts';
import { CAPTION, ImageCard, optionId } from './ImageCard.tsx';
import type { ImagePages } from './useImagePages.ts';

const CARD_MIN = 148;
const GAP = 10;
const PADDING = 10;

export function ThumbnailGrid({ pages, total, active, onActive, onOpen, autoFocus }: {
  pages: ImagePages;
  /** take the keyboard focus when mounted (coming back from the workspace) */
  autoFocus?: boolean;
  total: number;
  active: number;
  onActive(index: number): void;
  onOpen(index: number, image: ImageSummary): void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const { ref: sizeRef, width: outerWidth } = useElementSize<HTMLDivElement>();
  const ref = useMergedRef(scrollRef, sizeRef);
  const width = Math.max(0, outerWidth - 2 * PADDING);
  const columns = gridColumns(width, CARD_MIN, GAP);
  const card = Math.floor(columns > 0 ? (width - GAP * (columns - 1)) / columns : CARD_MIN);
  const rowHeight = card + CAPTION + GAP;
  const rows = Math.ceil(total / columns);

  const virtualizer = useVirtualizer({ count: rows, getScrollElement: () => scrollRef.current, estimateSize: () => rowHeight, overscan: 4, paddingStart: PADDING, paddingEnd: PADDING });
  useEffect(() => {
    virtualizer.measure();
  }, [rowHeight, virtualizer]);

  const items = virtualizer.getVirtualItems();
  const firstRow = items[0]?.index ?? 0;
  const lastRow = items.at(-1)?.index ?? 0;
  const { requestRange } = pages;
  useEffect(() => {
    if (total > 0) requestRange(firstRow * columns, (lastRow + 1) * columns - 1);
  }, [firstRow, lastRow, columns, total, requestRange]);

  // Coming back from the workspace: show the active card once the grid has a size (keyboard
  // moves scroll by themselves).
  const scrolledToActive = useRef(false);
  useEffect(() => {
    if (scrolledToActive.current || width === 0 || total === 0) return;
    scrolledToActive.current = true;
    if (active > 0) virtualizer.scrollToIndex(Math.floor(active / columns), { align: 'center' });
  }, [width, total, active, columns, virtualizer]);

  useEffect(() => {
    if (autoFocus) scrollRef.current?.focus({ preventScroll: true });
  }, [autoFocus]);

  const onKeyDown = useCallback((e: KeyboardEvent<HTMLDivElement>) => {
    if (total === 0) return;
    if (e.key === 'Enter' || e.key === ' ') {
      const image = pages.item(active);
      if (image) {
        e.preventDefault();
        onOpen(active, image);
      }
      return;
    }
    const visibleRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? rowHeight) / rowHeight));
    const next = moveGridFocus(active, e.key, columns, total, visibleRows);
    if (next == null) return;
    e.preventDefault();
    onActive(next);
    virtualizer.scrollToIndex(Math.floor(next / columns), { align: 'auto' });
  }, [active, columns, total, pages, onOpen, onActive, virtualizer, rowHeight]);

  const activeImage = pages.item(active);
  const onCardClick = useCallback((index: number, image: ImageSummary) => {
    onActive(index);
    onOpen(index, image);
  }, [onActive, onOpen]);

  return (
    <Box
      ref={ref}
      role="listbox"
      aria-label="Images"
      aria-activedescendant={activeImage ? optionId(activeImage.id) : undefined}
      aria-multiselectable={false}
      tabIndex={0}
      onKeyDown={onKeyDown}
      h="100%"
      style={{ overflowY: 'auto', outlineOffset: -2 }}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
        {items.map((row) => {
          const start = row.index * columns;
          const cells = Math.min(columns, total - start);
          return (
            <div key={row.key} role="presentation" style={{ position: 'absolute', top: 0, left: PADDING, right: PADDING, height: rowHeight - GAP, transform: `translateY(${row.start}px)`, display: 'flex', gap: GAP }}>
              {Array.from({ length: cells }, (_, k) => (
                <ImageCard key={start + k} image={pages.item(start + k)} index={start + k} total={total} size={card} active={start + k === active} onClick={onCardClick} />
              ))}
            </div>
          );
        })}
      </div>
    </Box>
  );
}
