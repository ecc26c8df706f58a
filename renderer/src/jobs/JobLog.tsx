// A job's log lines, newest at the bottom, in a scrollable monospace box.

import { Code, ScrollArea, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';
import type { JobLogLine } from '../lib/jobs-state.ts';

export function JobLog({ lines, jobId }: { lines: JobLogLine[]; jobId: number }) {
  const viewport = useRef<HTMLDivElement>(null);
  useEffect(() => {
    viewport.current?.scrollTo({ top: viewport.current.scrollHeight });
  }, [lines.length]);
  if (lines.length === 0) return <Text size="xs" c="dimmed">No log lines.</Text>;
  return (
    <ScrollArea.Autosize mah={220} viewportRef={viewport} type="auto" aria-label={`Log of job ${jobId}`}>
      <Code block fz={11} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
        {lines.map((l) => `${l.at ? `${l.at.slice(11, 19)} ` : ''}${l.line}`).join('\n')}
      </Code>
    </ScrollArea.Autosize>
  );
}
