// An image's mask status as a coloured word (colour alone never carries the meaning).

import { Badge } from '@mantine/core';
import type { ImageSummary } from '../../../main/api/contract.ts';

export const STATUS_NAMES: Record<ImageSummary['status'], string> = { 'not-started': 'Not started', model: 'Model mask', corrected: 'Corrected' };
const COLORS: Record<ImageSummary['status'], string> = { 'not-started': 'gray', model: 'blue', corrected: 'green' };

export function StatusBadge({ status }: { status: ImageSummary['status'] }) {
  return <Badge size="xs" variant={status === 'not-started' ? 'outline' : 'light'} color={COLORS[status]} tt="none">{STATUS_NAMES[status]}</Badge>;
}
