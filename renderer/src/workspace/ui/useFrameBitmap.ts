// One frame of the image as a decoded bitmap. It comes through getImageFrame (PNG bytes) rather
// than an <img> on mediaUrl: the canvas must stay readable for the window/level remap (a
// cross-origin media URL would taint it), and a failure arrives with the core's message. The
// previous frame stays on screen while the next one loads, so slice scrolling does not flicker.

import { useEffect, useState } from 'react';
import type { DelineateApi } from '../../../../main/api/contract.ts';

export interface FrameState {
  bitmap: ImageBitmap | null;
  /** the frame the bitmap shows */
  frame: number | null;
  loading: boolean;
  error: string | null;
}

export function useFrameBitmap(api: Pick<DelineateApi, 'getImageFrame'>, image: { id: number; width: number; height: number }, frame: number): FrameState {
  const [state, setState] = useState<FrameState>({ bitmap: null, frame: null, loading: true, error: null });
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    void (async () => {
      let error: string;
      try {
        const r = await api.getImageFrame({ imageId: image.id, frame });
        if (r.ok) {
          const { width, height, png } = r.value;
          if (width !== image.width || height !== image.height) {
            error = `frame ${frame} of image ${image.id} is ${width}×${height}, but the image is ${image.width}×${image.height}`;
          } else {
            const bitmap = await createImageBitmap(new Blob([png.slice()], { type: 'image/png' }));
            if (live) setState({ bitmap, frame, loading: false, error: null });
            else bitmap.close();
            return;
          }
        } else error = r.error.message;
      } catch (e) {
        error = `frame ${frame} of image ${image.id} could not be shown: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (live) setState((s) => ({ ...s, loading: false, error }));
    })();
    return () => {
      live = false;
    };
  }, [api, image.id, image.width, image.height, frame]);
  return state;
}
