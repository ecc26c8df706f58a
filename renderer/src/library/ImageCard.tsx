// One image in the library grid: thumbnail, name (a series' description), status, slices, modality
// and spacing. An option of the grid's
// listbox (the listbox holds the keyboard focus; this card is its active descendant).

import { Box, Group, Skeleton, Text } from '@mantine/core';
import { memo } from 'react';
import type { ImageSummary } from '../../../main/contract/contract.ts';
import { mediaUrl } from '../api/api.ts';
import { spacingText } from './spacing.ts';
import { STATUS_NAMES, StatusBadge } from './StatusBadge.tsx';

export const optionId = (imageId: number) => `image-option-${imageId}`;

/** Height under the thumbnail: name, status line and spacing line with their padding. */
export const CAPTION = 60;

export const ImageCard = memo(function ImageCard({ image, index, total, size, active, onClick }: {
  image: ImageSummary | undefined;
  index: number;
  /** images in the whole (virtualised) list, for screen readers */
  total: number;
  size: number;
  active: boolean;
  onClick(index: number, image: ImageSummary): void;
}) {
  if (!image) {
    return <Skeleton w={size} h={size + CAPTION - 4} radius="sm" aria-hidden />;
  }
  const slices = image.frames > 1 ? `${image.frames} slices` : null;
  const spacing = spacingText(image);
  const title = image.seriesDescription && image.seriesDescription !== image.fileName ? `${image.fileName} — ${image.seriesDescription}` : image.fileName;
  return (
    <Box
      id={optionId(image.id)}
      role="option"
      aria-selected={active}
      aria-label={image.fileName}
      aria-description={[STATUS_NAMES[image.status], slices, image.modality, spacing].filter(Boolean).join(', ')}
      aria-posinset={index + 1}
      aria-setsize={total}
      onClick={() => onClick(index, image)}
      w={size}
      style={{
        cursor: 'pointer',
        borderRadius: 'var(--mantine-radius-sm)',
        outline: active ? '2px solid var(--mantine-primary-color-filled)' : '1px solid var(--mantine-color-dark-4)',
        outlineOffset: active ? 1 : 0,
        background: 'var(--mantine-color-dark-6)',
        overflow: 'hidden',
      }}
    >
      {/* thumbnails are at most 128 px: scaled to the card, whole, so small and large images line up */}
      <Box w={size} h={size} bg="black" style={{ display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
        <img src={mediaUrl('thumb', image.id)} alt="" loading="lazy" draggable={false} style={{ width: '100%', height: '100%', objectFit: 'contain' }} />
      </Box>
      <Box px={6} py={4}>
        <Text size="xs" truncate="end" title={title}>{image.fileName}</Text>
        <Group gap={4} mt={2} wrap="nowrap">
          <StatusBadge status={image.status} />
          {slices && <Text size="10px" c="dimmed">{slices}</Text>}
          {image.modality && <Text size="10px" c="dimmed">{image.modality}</Text>}
        </Group>
        {spacing && <Text size="10px" c="dimmed" truncate="end" title="voxel spacing (row × column × slice)">{spacing}</Text>}
      </Box>
    </Box>
  );
});

