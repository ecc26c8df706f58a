// The model's live preview for the prompt bar: one request at a time through PreviewController
// (newest query wins), checked against the image's size before it is drawn or used.

import { useEffect, useMemo, useRef, useState } from 'react';
import type { DelineateApi, ImageSummary } from '../../../../main/contract/contract.ts';
import type { Mask } from '../mask/mask-ops.ts';
import { PreviewController, type PreviewState } from '../prompt/preview-controller.ts';

export interface PreviewMask {
  /** the controller's state, with a size mismatch reported as an error */
  state: PreviewState;
  /** the preview of the shown slice, usable as a mask; null while none is ready */
  mask: Mask | null;
}

export function usePreviewMask(
  api: Pick<DelineateApi, 'previewMask'>,
  image: Pick<ImageSummary, 'id' | 'width' | 'height'>,
  query: { prompt: string; threshold: number; frame: number },
  /** a new prompt's first ready preview (threshold changes do not count) */
  onNewPrompt: () => void,
): PreviewMask {
  const [preview, setPreview] = useState<PreviewState>({ status: 'idle' });
  const [controller, setController] = useState<PreviewController | null>(null);
  // the prompt whose preview was last shown: the controller's callback compares against it
  const shownPrompt = useRef<string | null>(null);
  useEffect(() => {
    const c = new PreviewController(
      (q) => api.previewMask({ imageId: image.id, frame: q.frame, prompt: q.prompt, threshold: q.threshold }),
      (s) => {
        setPreview(s);
        if (s.status === 'ready' && s.query.prompt !== shownPrompt.current) {
          shownPrompt.current = s.query.prompt;
          onNewPrompt();
        }
      },
    );
    setController(c);
    return () => c.dispose();
  }, [api, image.id, onNewPrompt]);
  useEffect(() => {
    controller?.request(query);
  }, [controller, query.prompt, query.threshold, query.frame]);

  return useMemo((): PreviewMask => {
    if (preview.status !== 'ready' || preview.query.frame !== query.frame) return { state: preview, mask: null };
    const r = preview.result;
    if (r.width !== image.width || r.height !== image.height || r.pixels.length !== r.width * r.height) {
      const message = `the model's mask is ${r.width}×${r.height} but the image is ${image.width}×${image.height}`;
      return { state: { status: 'error', query: preview.query, error: { code: 'invalid', message } }, mask: null };
    }
    return { state: preview, mask: { width: r.width, height: r.height, pixels: r.pixels } };
  }, [preview, query.frame, image.width, image.height]);
}
