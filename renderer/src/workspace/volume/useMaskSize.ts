// The mask size lines of the display panel (mask-size.ts), with a volume's other slices read from
// the image's current mask records: refetched when the slice changes or a save lands (`saves`).

import { useEffect, useState } from 'react';
import type { DelineateApi, ImageSummary, MaskRecord } from '../../../../main/contract/contract.ts';
import { maskSizeText, type MaskSizeText } from './mask-size.ts';

export function useMaskSize(api: Pick<DelineateApi, 'currentMasks'>, image: ImageSummary, frame: number, labelId: number | null, liveArea: number | null, saves: number): MaskSizeText {
  const [records, setRecords] = useState<MaskRecord[]>([]);
  const volume = image.frames > 1;
  useEffect(() => {
    if (!volume) return;
    let live = true;
    void api.currentMasks({ imageId: image.id }).then((r) => live && r.ok && setRecords(r.value));
    return () => {
      live = false;
    };
  }, [api, image.id, volume, frame, saves]);
  return maskSizeText(image, records, labelId, liveArea === null ? null : { frame, area: liveArea });
}
