// An image's mask status as a coloured word (colour alone never carries the meaning).

import { Badge } from '@mantine/core';
import type { ImageSummary } from '../../../main/contract/contract.ts';

export const STATUS_NAMES: Record<ImageSummary['status'], string> = { 'not-started': 'Not started', model: 'Model mask', corrected: 'Corrected' };
const COLORS: Record<ImageSummary['status'], string> = { 'not-started': 'gray', model: 'blue', corrected: 'green' };

export function StatusBadge({ status, size = 'xs' }: { status: ImageSummary['status']; size?: 'xs' | 'sm' }) {
  return <Badge size={size} variant={status === 'not-started' ? 'outline' : 'light'} color={COLORS[status]} tt="none">{STATUS_NAMES[status]}</Badge>;
}
