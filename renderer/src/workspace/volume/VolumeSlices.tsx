// Under the slice slider of a volume: marks for the slices that have a model mask (blue, top row)
// and a corrected mask (the label's colour, bottom row), clickable to jump there, and "Segment all
// slices", which runs the current prompt (with the project's active adapter) over every slice as a
// segment-batch job whose model masks are saved per slice.

import { Button, Group, Progress, Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { DelineateApi, ImageSummary, MaskRecord } from '../../../../main/contract/contract.ts';
import { markPosition, marksSummary, sliceMarks } from './slice-marks.ts';

const MODEL_COLOUR = '#4dabf7';
/** the slider sits between two 28 px action icons with a 4 px gap: marks line up with its track */
const TRACK_INSET = 32;

type JobView = { state: 'running'; done: number; total: number } | { state: 'failed'; message: string } | null;

export function VolumeSlices({ api, projectId, image, frame, onFrame, labelId, labelColour, prompt, threshold, onSaved, saves = 0 }: {
  api: Pick<DelineateApi, 'currentMasks' | 'startJob' | 'onJobEvent'>;
  projectId: number;
  image: ImageSummary;
  frame: number;
  onFrame(frame: number): void;
  labelId: number | null;
  labelColour: string;
  prompt: string;
  threshold: number;
  /** model masks were saved: the shell's counts and statuses changed */
  onSaved(): void;
  /** counts the workspace's saves (an accepted slice): the marks are read again when it changes */
  saves?: number;
}) {
  const [records, setRecords] = useState<MaskRecord[]>([]);
  const [job, setJob] = useState<JobView>(null);
  const reload = useCallback(() => {
    void api.currentMasks({ imageId: image.id }).then((r) => r.ok && setRecords(r.value));
  }, [api, image.id]);
  // refetched on a move to another slice and after each save in the workspace (an accepted slice)
  useEffect(reload, [reload, frame, saves]);

  const start = useCallback(async () => {
    setJob({ state: 'running', done: 0, total: image.frames });
    const r = await api.startJob({ kind: 'segment-batch', projectId, config: { imageIds: [image.id], allFrames: true, prompt: prompt.trim(), threshold, labelId } });
    if (!r.ok) return setJob({ state: 'failed', message: r.error.message });
    const id = r.value.id;
    const off = api.onJobEvent((e) => {
      if (e.type === 'progress' && e.jobId === id) setJob({ state: 'running', done: e.progress.done, total: e.progress.total });
      if (e.type !== 'state' || e.job.id !== id || e.job.state === 'queued' || e.job.state === 'running') return;
      off();
      setJob(e.job.state === 'done' ? null : { state: 'failed', message: e.job.error ?? `the job ended ${e.job.state}` });
      reload();
      onSaved();
    });
  }, [api, projectId, image.id, image.frames, prompt, threshold, labelId, reload, onSaved]);

  const marks = sliceMarks(records, labelId, image.frames);
  const running = job?.state === 'running';
  const tick = (k: number, colour: string, top: number, kind: string) => (
    <span
      key={`${kind}-${k}`}
      title={`Slice ${k + 1}: ${kind} mask`}
      onClick={() => onFrame(k)}
      style={{ position: 'absolute', left: `${markPosition(k, image.frames)}%`, top, width: 2, height: 4, marginLeft: -1, background: colour, cursor: 'pointer' }}
    />
  );
  return (
    <Stack gap={4}>
      <div role="img" aria-label={`Slice marks: ${marksSummary(marks, image.frames)}`} style={{ position: 'relative', height: 9, margin: `0 ${TRACK_INSET}px` }}>
        {marks.model.map((k) => tick(k, MODEL_COLOUR, 0, 'model'))}
        {marks.corrected.map((k) => tick(k, labelColour, 5, 'corrected'))}
      </div>
      <Text size="xs" c="dimmed">{marksSummary(marks, image.frames)}</Text>
      <Group gap={6} wrap="nowrap">
        <Button size="compact-xs" variant="default" disabled={running || prompt.trim() === ''} onClick={() => void start()} title={prompt.trim() ? `Segment every slice with "${prompt.trim()}"` : 'Type a prompt first'}>
          Segment all slices
        </Button>
        {running && <Progress style={{ flex: 1 }} size="sm" value={job.total ? (100 * job.done) / job.total : 0} aria-label={`Segmenting slice ${job.done} of ${job.total}`} />}
      </Group>
      {job?.state === 'failed' && <Text size="xs" c="red" role="alert">{job.message}</Text>}
    </Stack>
  );
}
