// The files a finished import could not read, each with its reason and what to do about it.

import { Alert, List, ScrollArea, Text } from '@mantine/core';
import { plural } from '../lib/format.ts';
import { importFailures } from './failure-advice.ts';

export function ImportFailures({ result }: { result: unknown }) {
  const { listed, total } = importFailures(result);
  if (total === 0) return null;
  return (
    <Alert color="yellow" variant="light" p="xs" title={`${plural(total, 'file')} could not be imported`}>
      <ScrollArea.Autosize mah={240} type="auto">
        <List size="xs" spacing={6} aria-label="Files that could not be imported">
          {listed.map((f) => (
            <List.Item key={f.path}>
              <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>{f.path}</Text>
              <Text size="xs">{f.reason}</Text>
              {f.next && <Text size="xs" c="dimmed">{f.next}</Text>}
            </List.Item>
          ))}
        </List>
      </ScrollArea.Autosize>
      {total > listed.length && <Text size="xs" mt={4}>…and {total - listed.length} more: the job's log in the Jobs panel lists every one.</Text>}
    </Alert>
  );
}
