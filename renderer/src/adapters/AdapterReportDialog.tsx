// An adapter's evaluation report (docs/adapter-report.md): its held-out corrected images under the
// adapter, the base model and the adapter active before it; paired differences with a bootstrap
// interval and a verdict; Dice under each prompt of the label; and a gallery of the largest gains
// and losses (grey frame, outlines of base / adapter / correction). Computed by the core on open.

import { Alert, Badge, Center, Group, Image, Loader, Modal, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { AdapterReport, GalleryEntry, ReportComparison, ReportMetric } from '../../../main/contract/adapter-report.ts';
import type { AdapterInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { formatDifference, formatMean, VERDICT_COLOR } from './report-format.ts';

/** The gallery's outline colours (the core's GALLERY_COLORS), for the legend. */
const LEGEND = [['base model', 'rgb(213,94,0)'], ['adapter', 'rgb(86,180,233)'], ['correction', 'rgb(240,228,66)']] as const;

const METRICS: { name: ReportMetric; label: (unit: string) => string }[] = [
  { name: 'dsc', label: () => 'DSC %' },
  { name: 'iou', label: () => 'IoU %' },
  { name: 'hd95', label: (unit) => `HD95 ${unit} (lower is better)` },
];

function Comparison({ title, c, unit }: { title: string; c: ReportComparison; unit: 'mm' | 'px' }) {
  return (
    <Stack gap={4} aria-label={`Compared with ${title}`}>
      <Group gap="xs">
        <Text fw={600} size="sm">Against {title}:</Text>
        <Badge color={VERDICT_COLOR[c.verdict]} variant="light" aria-label={`Verdict against ${title}`}>{c.verdict}</Badge>
      </Group>
      {METRICS.map(({ name }) => (
        <Text key={name} size="xs" ff="monospace">
          {name.toUpperCase()} {formatDifference(c.differences[name], name, unit)}: {c.differences[name].verdict}
        </Text>
      ))}
    </Stack>
  );
}

function GalleryImage({ adapterId, projectId, entry }: { adapterId: number; projectId: number; entry: GalleryEntry }) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    let made: string | null = null;
    void getApi().adapterReportImage({ adapterId, projectId, imageId: entry.imageId, frame: entry.frame }).then((r) => {
      if (!live) return;
      if (r.ok) {
        made = URL.createObjectURL(new Blob([r.value.png as BlobPart], { type: 'image/png' }));
        setUrl(made);
      } else setFailed(r.error.message);
    });
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [adapterId, projectId, entry.imageId, entry.frame]);
  const caption = `${entry.fileName}${entry.frame ? `, slice ${entry.frame + 1}` : ''}: DSC ${entry.change >= 0 ? '+' : '−'}${Math.abs(100 * entry.change).toFixed(1)} points`;
  return (
    <Stack gap={2}>
      {url ? <Image src={url} alt={`Overlay of ${caption}`} radius="sm" style={{ imageRendering: 'pixelated', aspectRatio: '1 / 1', objectFit: 'contain', background: '#000' }} />
        : failed ? <Text size="xs" c="red">{failed}</Text> : <Center h={120}><Loader size="xs" /></Center>}
      <Text size="xs" c={entry.kind === 'gain' ? 'green' : 'red'}>{caption}</Text>
    </Stack>
  );
}

export function AdapterReportView({ report, projectId }: { report: AdapterReport; projectId: number }) {
  const r = report;
  const unit = r.hd95Unit;
  if (!r.adapter) return <Alert color="yellow" variant="light" aria-label="No held-out images">{r.heldOut.note}.</Alert>;
  const cols: [string, AdapterReport['adapter']][] = [['Adapter', r.adapter], ['Base model', r.base?.scores ?? null]];
  if (r.previous) cols.push([`Previous: ${r.previous.name}`, r.previous.scores]);
  return (
    <Stack gap="md">
      <Text size="sm">
        Scored on {r.heldOut.note}{r.heldOut.scored !== r.heldOut.recorded ? ` (${r.heldOut.scored} scored)` : ''}. Masks at each image's own size, threshold {r.threshold};
        HD95 in {unit === 'mm' ? 'mm (every image has a pixel spacing)' : 'pixels (not every image has a pixel spacing)'}.
      </Text>
      <Table withTableBorder withColumnBorders aria-label="Held-out scores" verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr><Table.Th>Score (mean ± SD)</Table.Th>{cols.map(([n]) => <Table.Th key={n}>{n}</Table.Th>)}</Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {METRICS.map(({ name, label }) => (
            <Table.Tr key={name}>
              <Table.Th scope="row">{label(unit)}</Table.Th>
              {cols.map(([n, s]) => <Table.Td key={n} ff="monospace">{s ? formatMean(s[name], name) : '—'}</Table.Td>)}
            </Table.Tr>
          ))}
          <Table.Tr><Table.Th scope="row">n</Table.Th>{cols.map(([n, s]) => <Table.Td key={n}>{s?.n ?? '—'}</Table.Td>)}</Table.Tr>
        </Table.Tbody>
      </Table>
      <Stack gap="sm">
        <Title order={3} size="h6">Paired comparison (adapter − other, per image)</Title>
        {r.base && <Comparison title="the base model" c={r.base} unit={unit} />}
        {r.previous ? <Comparison title={`the previous adapter "${r.previous.name}"`} c={r.previous} unit={unit} /> : <Text size="xs" c="dimmed">Previous adapter: {r.previousNote}.</Text>}
        <Text size="xs" c="dimmed">
          Intervals: percentile bootstrap of the mean difference, {r.resamples.toLocaleString('en')} resamples (seed {r.seed}). "Better" or "worse" only when the 95 % interval
          lies wholly on one side of 0; no verdict below {r.minJudged} images. The verdict is the Dice difference's.
        </Text>
      </Stack>
      <Stack gap={4}>
        <Title order={3} size="h6">Prompt robustness</Title>
        <Text size="xs" c="dimmed">The same images under each prompt of the label: a model that ignores or over-weights the text shows it here.</Text>
        <Table withTableBorder aria-label="Dice per prompt" verticalSpacing={4}>
          <Table.Thead><Table.Tr><Table.Th>Label</Table.Th><Table.Th>Prompt</Table.Th><Table.Th ta="right">n</Table.Th><Table.Th ta="right">Base DSC %</Table.Th><Table.Th ta="right">Adapter DSC %</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {r.prompts.map((p) => (
              <Table.Tr key={`${p.label}\u0000${p.prompt}`}>
                <Table.Td>{p.label ?? '—'}</Table.Td><Table.Td>“{p.prompt}”</Table.Td><Table.Td ta="right">{p.n}</Table.Td>
                <Table.Td ta="right" ff="monospace">{(100 * p.base).toFixed(1)}</Table.Td><Table.Td ta="right" ff="monospace">{(100 * p.adapter).toFixed(1)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
      <Stack gap={4}>
        <Title order={3} size="h6">Largest gains and losses</Title>
        <Group gap="md" aria-label="Outline colours">
          {LEGEND.map(([name, color]) => <Group key={name} gap={4}><span style={{ display: 'inline-block', width: 14, height: 3, background: color }} /><Text size="xs">{name}</Text></Group>)}
        </Group>
        {r.gallery.length === 0 ? <Text size="xs" c="dimmed">No image's Dice changed.</Text> : (
          <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="sm" aria-label="Gallery">
            {r.gallery.map((g) => <GalleryImage key={`${g.imageId}:${g.frame}`} adapterId={r.adapterId} projectId={projectId} entry={g} />)}
          </SimpleGrid>
        )}
      </Stack>
    </Stack>
  );
}

/** The report of `adapter`, computed when opened; `onComputed` lets the versions table pick up the recorded verdicts. */
export function AdapterReportDialog({ adapter, projectId, onClose, onComputed }: { adapter: AdapterInfo; projectId: number; onClose(): void; onComputed(): void }) {
  const call = useApiCall();
  const [report, setReport] = useState<AdapterReport | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    void call(`Report of ${adapter.name}`, () => getApi().adapterReport({ adapterId: adapter.id, projectId })).then((r) => {
      if (!live) return;
      if (r.ok) {
        setReport(r.value);
        onComputed();
      } else setFailed(true);
    });
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per adapter
  }, [adapter.id, projectId]);
  return (
    <Modal opened onClose={onClose} size="xl" title={`Report: ${adapter.name}`} closeButtonProps={{ 'aria-label': 'Close dialog' }}>
      {report ? <AdapterReportView report={report} projectId={projectId} />
        : failed ? <Text size="sm" c="red">The report could not be made (see the notification).</Text>
        : <Center h={120}><Group gap="xs"><Loader size="sm" aria-label="Scoring held-out images" /><Text size="sm">Scoring the held-out images…</Text></Group></Center>}
    </Modal>
  );
}
