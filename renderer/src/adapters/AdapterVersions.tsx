// Every adapter of the project with its scores; activate any of them, or roll back to the active
// one's parent (the base model when it has none); export one as a pack for another site, or import
// one (it arrives inactive, with its provenance shown under "Based on"); open its report (held-out
// evidence against the base model and the previous adapter). Activating one whose report found it
// worse asks first.

import { ActionIcon, Badge, Button, Center, Group, Loader, Modal, Paper, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { IconArrowBackUp, IconChartBar, IconPackageExport, IconPackageImport } from '@tabler/icons-react';
import { useState } from 'react';
import type { AdapterInfo } from '../../../main/contract/contract.ts';
import { evidenceOf } from '../../../main/contract/adapter-report.ts';
import { AdapterReportDialog } from './AdapterReportDialog.tsx';
import { activationWarning, VERDICT_COLOR } from './report-format.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import type { Adapters } from '../adapt/useAdapters.ts';
import { adapterScore, adapterScoredImages, formatAdapterScore } from '../lib/adapter-metrics.ts';
import { formatDateTime } from '../lib/format.ts';
import { useNotify } from '../notifications/notify-context.ts';
import { ExportPackDialog } from './ExportPackDialog.tsx';
import { ImportPackDialog } from './ImportPackDialog.tsx';
import { describePack } from './pack-origin.ts';

export function AdapterVersions({ projectId, adapters }: { projectId: number; adapters: Adapters }) {
  const call = useApiCall();
  const notify = useNotify();
  const [busy, setBusy] = useState<number | 'rollback' | null>(null);
  const [exporting, setExporting] = useState<AdapterInfo | null>(null);
  const [importing, setImporting] = useState(false);
  const [reporting, setReporting] = useState<AdapterInfo | null>(null);
  const [confirming, setConfirming] = useState<{ adapter: AdapterInfo; question: string } | null>(null);
  const { list, active } = adapters;
  const names = new Map((list ?? []).map((a) => [a.id, a.name]));

  const activateNow = async (a: AdapterInfo) => {
    setBusy(a.id);
    const r = await call(`Activate ${a.name}`, () => getApi().activateAdapter({ adapterId: a.id }));
    if (r.ok) await adapters.reload();
    setBusy(null);
  };
  /** Asks first when the adapter's report (recorded, else made now where it has held-out images) finds it worse. */
  const activate = async (a: AdapterInfo) => {
    let evidence = evidenceOf(a.metrics);
    if (!evidence && Array.isArray(a.metrics.heldOutSet)) {
      setBusy(a.id);
      const r = await getApi().adapterReport({ adapterId: a.id, projectId });
      if (r.ok) evidence = { modelId: r.value.modelId, computedAt: r.value.computedAt, n: r.value.heldOut.scored, vsBase: r.value.base?.verdict ?? null, vsPrevious: r.value.previous?.verdict ?? null };
      setBusy(null);
    }
    const question = activationWarning(a.name, evidence);
    if (question) setConfirming({ adapter: a, question });
    else await activateNow(a);
  };
  const rollback = async () => {
    setBusy('rollback');
    const r = await call('Roll back', () => getApi().rollbackAdapter({ projectId }));
    if (r.ok) {
      await adapters.reload();
      notify({ kind: 'success', title: 'Rolled back', message: r.value ? `Adapter "${r.value.name}" is active again.` : 'The base model is active again (no adapter).' });
    }
    setBusy(null);
  };

  return (
    <Stack gap="md" maw={1100}>
      <Group justify="space-between" align="flex-end">
        <Stack gap={4}>
          <Title order={2} size="h4">Adapter versions</Title>
          <Text size="sm" c="dimmed">
            Active now: <b>{active ? `${active.name} (${active.variant})` : 'base model, no adapter'}</b>. Scores are on the n corrected images held
            out when each adapter was trained (DSC and IoU in %, HD95 in pixels; means, with the standard deviation where recorded).
          </Text>
        </Stack>
        <Group gap="xs">
          <Tooltip label={active ? `Activate ${active.parentId ? `"${names.get(active.parentId) ?? `adapter ${active.parentId}`}"` : 'the base model'} again` : 'Nothing to roll back: no adapter is active'}>
            <Button variant="default" leftSection={<IconArrowBackUp size={14} />} onClick={rollback} disabled={!active} loading={busy === 'rollback'}>Roll back</Button>
          </Tooltip>
          <Button variant="default" leftSection={<IconPackageImport size={14} />} onClick={() => setImporting(true)}>Import pack…</Button>
        </Group>
      </Group>
      {list == null ? (
        <Center h={80}><Loader size="sm" aria-label="Loading adapters" /></Center>
      ) : list.length === 0 ? (
        <Paper withBorder p="lg"><Text size="sm" c="dimmed">No adapters yet. Adapt the model on the Training page once a few masks are corrected.</Text></Paper>
      ) : (
        <Paper withBorder>
          <Table highlightOnHover aria-label="Adapter versions" verticalSpacing={6}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Variant</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Based on</Table.Th>
                <Table.Th ta="right">DSC %</Table.Th>
                <Table.Th ta="right">IoU %</Table.Th>
                <Table.Th ta="right">HD95</Table.Th>
                <Table.Th ta="right">n</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((a) => (
                <Table.Tr key={a.id} aria-current={a.active ? 'true' : undefined}>
                  <Table.Td fw={600}>{a.name}</Table.Td>
                  <Table.Td><Badge variant="outline" color="gray" tt="uppercase">{a.variant}</Badge></Table.Td>
                  <Table.Td>{formatDateTime(a.createdAt)}</Table.Td>
                  <Table.Td>{a.origin ? (
                    <Tooltip multiline w={360} label={describePack(a.origin).join(' · ') || 'no provenance recorded'}>
                      <Text size="sm" aria-label={`Imported from ${a.origin.fileName}`}>Imported: {a.origin.fileName}</Text>
                    </Tooltip>
                  ) : a.parentId ? names.get(a.parentId) ?? `#${a.parentId}` : '—'}</Table.Td>
                  <Table.Td ta="right" ff="monospace">{formatAdapterScore(a.metrics, 'dsc')}</Table.Td>
                  <Table.Td ta="right" ff="monospace">{formatAdapterScore(a.metrics, 'iou')}</Table.Td>
                  <Table.Td ta="right" ff="monospace">{formatAdapterScore(a.metrics, 'hd95')}{adapterScore(a.metrics, 'hd95') ? (a.metrics.hd95Unit === 'mm' ? ' mm' : ' px') : ''}</Table.Td>
                  <Table.Td ta="right">{adapterScoredImages(a.metrics) ?? '—'}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    {a.active ? (
                      <Badge color="green" variant="light">Active</Badge>
                    ) : (
                      <Button variant="light" onClick={() => activate(a)} loading={busy === a.id} disabled={busy != null} aria-label={`Activate ${a.name}`}>Activate</Button>
                    )}
                    {evidenceOf(a.metrics)?.vsBase && (
                      <Badge ml={6} variant="dot" color={VERDICT_COLOR[evidenceOf(a.metrics)!.vsBase!]} title="Verdict of its last report against the base model">{evidenceOf(a.metrics)!.vsBase}</Badge>
                    )}
                    <Tooltip label="Report: held-out evidence against the base model and the previous adapter">
                      <ActionIcon variant="subtle" ml={6} onClick={() => setReporting(a)} aria-label={`Report of ${a.name}`}><IconChartBar size={16} /></ActionIcon>
                    </Tooltip>
                    <Tooltip label="Export pack…: one file for another site, without images">
                      <ActionIcon variant="subtle" ml={6} onClick={() => setExporting(a)} aria-label={`Export pack of ${a.name}`}><IconPackageExport size={16} /></ActionIcon>
                    </Tooltip>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {exporting && <ExportPackDialog adapter={exporting} onClose={() => setExporting(null)} />}
      {reporting && <AdapterReportDialog adapter={reporting} projectId={projectId} onClose={() => setReporting(null)} onComputed={() => void adapters.reload()} />}
      {confirming && (
        <Modal opened onClose={() => setConfirming(null)} title="Activate an adapter that scored worse?">
          <Stack gap="sm">
            <Text size="sm">{confirming.question}</Text>
            <Group justify="flex-end" gap="xs">
              <Button variant="default" onClick={() => setConfirming(null)}>Keep the current model</Button>
              <Button color="red" onClick={() => { const a = confirming.adapter; setConfirming(null); void activateNow(a); }}>Activate anyway</Button>
            </Group>
          </Stack>
        </Modal>
      )}
      {importing && (
        <ImportPackDialog
          projectId={projectId}
          onClose={() => setImporting(false)}
          onImported={(a) => {
            setImporting(false);
            void adapters.reload();
            notify({ kind: 'success', title: 'Pack imported', message: `"${a.name}" (${a.variant}) is listed, inactive: activate it to use it.` });
          }}
        />
      )}
    </Stack>
  );
}
