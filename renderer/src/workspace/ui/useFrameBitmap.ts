// One frame of the image as a decoded bitmap, with the window it was made with (FrameLoader does
// the work). It comes through getImageFrame (PNG bytes) rather than an <img> on mediaUrl: the
// canvas must stay readable for the instant window/level remap (a cross-origin media URL would
// taint it), and a failure arrives with the core's message. The viewer asks for the exact frame
// of a settled window through `bitmap.requestWindow`; the new bitmap replaces the old here, so
// every viewer of the image shows it.

import { useEffect, useRef, useState } from 'react';
import type { DelineateApi } from '../../../../main/contract/contract.ts';
import { FrameLoader, type ShownFrame } from '../view/frame-loader.ts';
import type { WindowLevel } from '../view/window-level.ts';

export type FrameBitmap = ShownFrame<ImageBitmap>;

export interface FrameState {
  /** the frame on screen: its bitmap, index and the window it was made with */
  bitmap: FrameBitmap | null;
  /** the frame the bitmap shows */
  frame: number | null;
  loading: boolean;
  error: string | null;
}

const decode = (png: Uint8Array) => createImageBitmap(new Blob([png.slice()], { type: 'image/png' }));

export function useFrameBitmap(api: Pick<DelineateApi, 'getImageFrame'>, image: { id: number; width: number; height: number; window: WindowLevel | null }, frame: number): FrameState {
  const [state, setState] = useState<FrameState>({ bitmap: null, frame: null, loading: true, error: null });
  const loader = useRef<FrameLoader<ImageBitmap> | null>(null);
  const latestFrame = useRef(frame);
  latestFrame.current = frame;
  const { id, width, height } = image;
  const storedCenter = image.window?.center;
  const storedWidth = image.window?.width;

  useEffect(() => {
    const l = new FrameLoader<ImageBitmap>({
      image: { id, width, height, window: storedCenter === undefined || storedWidth === undefined ? null : { center: storedCenter, width: storedWidth } },
      getFrame: (req) => api.getImageFrame(req),
      decode,
      discard: (b) => b.close(),
      onState: (s) => setState({ bitmap: s.shown, frame: s.shown?.frame ?? null, loading: s.loading, error: s.error }),
    });
    loader.current = l;
    l.show(latestFrame.current);
    return () => {
      l.dispose();
      loader.current = null;
    };
  }, [api, id, width, height, storedCenter, storedWidth]);

  useEffect(() => loader.current?.show(frame), [frame]);
  return state;
}
