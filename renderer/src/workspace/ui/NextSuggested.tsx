// "Next suggested": opens the next slice without a corrected mask for the label being edited: for
// the first corrections the one least like those corrected, then the highest-scoring
// (docs/active-learning.md), skipping the one open now and those already visited this
// session. Disabled while the image has unsaved edits, so moving on never drops work.

import { Button, Tooltip } from '@mantine/core';
import { IconTargetArrow } from '@tabler/icons-react';
import { useState } from 'react';
import type { DelineateApi, ImageSummary } from '../../../../main/contract/contract.ts';

/** Slices suggested and opened this session, so the next click moves on even before they are corrected. */
const visited: { imageId: number; frame: number }[] = [];

export function NextSuggested({ api, projectId, image, frame, labelId, unsaved, onOpen, onPrompt, onMessage }: {
  api: Pick<DelineateApi, 'nextSuggestion'>;
  projectId: number;
  image: ImageSummary;
  frame: number;
  labelId: number | null;
  unsaved: boolean;
  onOpen(image: ImageSummary, frame: number): void;
  /** the prompt the slice was scored under, so its mask is made (and saved) with it */
  onPrompt(prompt: string): void;
  onMessage(text: string): void;
}) {
  const [busy, setBusy] = useState(false);
  const go = async () => {
    setBusy(true);
    const exclude = [...visited, { imageId: image.id, frame }];
    const r = await api.nextSuggestion({ projectId, labelId, exclude });
    setBusy(false);
    if (!r.ok) return onMessage(r.error.message);
    if (!r.value) return onMessage('No slice to suggest: use "Score slices" in the library first (or every scored slice is corrected).');
    visited.push({ imageId: r.value.image.id, frame: r.value.frame });
    onPrompt(r.value.prompt);
    onOpen(r.value.image, r.value.frame);
  };
  return (
    <Tooltip label={unsaved ? 'Accept or discard your changes first' : 'Open the next slice to correct: for the first 8 corrections one unlike those corrected so far, then the most informative'}>
      <Button size="compact-sm" variant="light" leftSection={<IconTargetArrow size={14} aria-hidden />} onClick={() => void go()} loading={busy} disabled={unsaved} aria-label="Next suggested">
        Next suggested
      </Button>
    </Tooltip>
  );
}
