// "Send masks to PACS": the project's masks of images pulled from a PACS leave as one DICOM SEG per
// image (per slice the corrected mask, else the model's), each stored with STOW-RS and reported on
// its own. Sending again retries what failed; SEGs already stored with the same masks are not resent.

import { Alert, Badge, Button, Group, Modal, NativeSelect, Stack, Table, Text } from '@mantine/core';
import { IconSend } from '@tabler/icons-react';
import { useState } from 'react';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { JobProgress } from '../jobs/JobProgress.tsx';
import { useJob, useJobs } from '../jobs/jobs-context.ts';
import { isActive } from '../lib/jobs-state.ts';
import { pushSummary, readPushResult } from './push-result.ts';
import { usePacsConnections } from './usePacsConnections.ts';

export function SendToPacsDialog({ opened, onClose, projectId }: { opened: boolean; onClose(): void; projectId: number }) {
  const call = useApiCall();
  const { track } = useJobs();
  const connections = usePacsConnections(opened);
  const [connection, setConnection] = useState('');
  const [starting, setStarting] = useState(false);
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useJob(jobId);
  const running = job != null && isActive(job);
  const list = connections.list ?? [];
  const chosen = list.find((c) => c.name === connection)?.name ?? list[0]?.name ?? '';
  const result = job?.state === 'done' ? readPushResult(job.result) : null;

  const send = async () => {
    setStarting(true);
    const r = await call('Send masks to PACS', () => getApi().pushToPacs({ projectId, connection: chosen }));
    setStarting(false);
    if (!r.ok) return;
    track(r.value);
    setJobId(r.value.id);
  };

  return (
    <Modal opened={opened} onClose={onClose} title="Send masks to PACS" size="xl" closeButtonProps={{ 'aria-label': 'Close dialog' }}>
      <Stack gap="sm">
        {connections.list != null && list.length === 0 ? (
          <Alert color="yellow" variant="light" title="No PACS connection">Add your PACS in Settings (the gear at the top right) first.</Alert>
        ) : (
          <>
            <Text size="xs" c="dimmed">
              Each image pulled from a PACS leaves as one DICOM SEG (per slice its corrected mask, else the model's) referencing the
              pulled series, stored with STOW-RS. Images imported from files are left out. A SEG already stored with the same masks is
              not sent again, so sending again retries only what failed.
            </Text>
            {list.length > 1 && <NativeSelect label="PACS" value={chosen} onChange={(e) => setConnection(e.currentTarget.value)} data={list.map((c) => c.name)} w={260} />}
            {list.length === 1 && <Text size="sm">To <b>{chosen}</b> ({list[0].dicomweb})</Text>}
          </>
        )}
        {job && <JobProgress job={job} hideResult />}
        {result && (
          <Stack gap={6}>
            <Text size="sm" role="status" aria-label="Send summary">{pushSummary(result)}</Text>
            {result.objects.length > 0 && (
              <Table aria-label="Sent objects" verticalSpacing={4} fz="xs" striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Image</Table.Th>
                    <Table.Th>Series</Table.Th>
                    <Table.Th>SEG instance</Table.Th>
                    <Table.Th>Outcome</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {result.objects.map((o) => (
                    <Table.Tr key={o.sopInstanceUid} aria-label={`SEG of image ${o.imageId}: ${o.stored ? 'stored' : 'failed'}`}>
                      <Table.Td>{o.imageId}</Table.Td>
                      <Table.Td style={{ wordBreak: 'break-all' }}>{o.seriesUid}</Table.Td>
                      <Table.Td style={{ wordBreak: 'break-all' }}>{o.sopInstanceUid}</Table.Td>
                      <Table.Td>
                        {o.stored ? (
                          <Badge color="green" variant="light">Stored{o.attempts > 1 ? ` (try ${o.attempts})` : ''}</Badge>
                        ) : (
                          <Stack gap={2}>
                            <Badge color="red" variant="light">Failed after {o.attempts} tries</Badge>
                            <Text size="xs">{o.reason}</Text>
                          </Stack>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Stack>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>Done</Button>
          <Button onClick={() => void send()} loading={starting} disabled={!chosen || running} leftSection={<IconSend size={14} />}>
            {result && result.failed > 0 ? 'Send again (retry failed)' : 'Send'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
