// "Score slices": starts the suggest job (a segment-batch job with config.score) that gives every
// slice of the project its informativeness score, which "Most informative first" and the
// workspace's "Next suggested" read (docs/active-learning.md). The library refreshes when the job
// ends (the project screen listens for segment-batch jobs).

import { Button, Tooltip } from '@mantine/core';
import { IconSparkles } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';

export function ScoreSlices({ projectId }: { projectId: number }) {
  const call = useApiCall();
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [jobId, setJobId] = useState<number | null>(null);

  useEffect(() => {
    if (jobId === null) return;
    return getApi().onJobEvent((e) => {
      if (e.type === 'progress' && e.jobId === jobId) setProgress({ done: e.progress.done, total: e.progress.total });
      if (e.type === 'state' && e.job.id === jobId && e.job.state !== 'queued' && e.job.state !== 'running') {
        setJobId(null);
        setProgress(null);
      }
    });
  }, [jobId]);

  const start = useCallback(async () => {
    const r = await call('Score slices', () => getApi().startJob({ kind: 'segment-batch', projectId, config: { score: true } }));
    if (r.ok) {
      setJobId(r.value.id);
      setProgress({ done: 0, total: 0 });
    }
  }, [call, projectId]);

  return (
    <Tooltip label="Score every slice for how much correcting it would teach the adapter (the project's first label, the active adapter)" multiline w={280}>
      <Button size="xs" variant="default" leftSection={<IconSparkles size={14} aria-hidden />} onClick={() => void start()} loading={jobId !== null && !progress?.total} disabled={jobId !== null}>
        {jobId !== null && progress?.total ? `Scoring ${progress.done}/${progress.total}` : 'Score slices'}
      </Button>
    </Tooltip>
  );
}
