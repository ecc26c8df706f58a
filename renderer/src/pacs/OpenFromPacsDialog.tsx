// "Open from PACS": search the PACS's studies (patient ID, accession number, study dates, modality),
// expand a study to its series, pick series and import them into the project. Each series is a
// pull job (an import job that retrieves the series first), shown with its progress here and in
// the Jobs panel; the library refreshes when it ends.

import { ActionIcon, Alert, Button, Checkbox, Group, Modal, NativeSelect, ScrollArea, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconChevronDown, IconChevronRight, IconSearch } from '@tabler/icons-react';
import { Fragment, useEffect, useState, type FormEvent } from 'react';
import type { PacsSeries, PacsStudy } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { JobProgress } from '../jobs/JobProgress.tsx';
import { useJobs } from '../jobs/jobs-context.ts';
import { isActive } from '../lib/jobs-state.ts';
import { plural } from '../lib/format.ts';
import { dicomDateRange, showDicomDate, showPersonName } from './dicom-date.ts';
import { usePacsConnections } from './usePacsConnections.ts';

const PAGE = 25;
const MODALITIES = ['CT', 'MR', 'CR', 'DX', 'US', 'PT', 'NM', 'MG', 'XA', 'RF', 'OT'];

interface Picked { studyUid: string; seriesUid: string; label: string }

export function OpenFromPacsDialog({ opened, onClose, projectId }: { opened: boolean; onClose(): void; projectId: number }) {
  const call = useApiCall();
  const { track, state: jobState } = useJobs();
  const connections = usePacsConnections(opened);
  const [connection, setConnection] = useState('');
  const [patientId, setPatientId] = useState('');
  const [accession, setAccession] = useState('');
  const [dateFrom, setDateFrom] = useState('');
  const [dateTo, setDateTo] = useState('');
  const [modality, setModality] = useState('');
  const [searching, setSearching] = useState(false);
  const [studies, setStudies] = useState<{ offset: number; list: PacsStudy[] } | null>(null);
  const [series, setSeries] = useState<Record<string, PacsSeries[] | 'loading'>>({});
  const [picked, setPicked] = useState<Map<string, Picked>>(new Map());
  const [starting, setStarting] = useState(false);
  const [jobs, setJobs] = useState<{ id: number; label: string }[]>([]);
  const list = connections.list ?? [];
  const chosen = list.find((c) => c.name === connection)?.name ?? list[0]?.name ?? '';
  const running = jobs.some((j) => {
    const job = jobState.jobs[j.id];
    return job != null && isActive(job);
  });

  useEffect(() => {
    setStudies(null);
    setSeries({});
    setPicked(new Map());
  }, [chosen]);

  const search = async (offset: number) => {
    if (!chosen) return;
    setSearching(true);
    const query = { patientId, accessionNumber: accession, studyDate: dicomDateRange(dateFrom, dateTo), modality: modality || undefined, limit: PAGE, offset };
    const r = await call('Search the PACS', () => getApi().findPacsStudies({ connection: chosen, query }));
    setSearching(false);
    if (!r.ok) return; // the search fields stay
    setStudies({ offset, list: r.value });
    setSeries({});
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void search(0);
  };
  const toggleStudy = async (s: PacsStudy) => {
    if (series[s.studyUid]) {
      setSeries(({ [s.studyUid]: _, ...rest }) => rest);
      return;
    }
    setSeries((m) => ({ ...m, [s.studyUid]: 'loading' }));
    const r = await call('List the series of a study', () => getApi().findPacsSeries({ connection: chosen, studyUid: s.studyUid }));
    setSeries((m) => {
      const { [s.studyUid]: _, ...rest } = m;
      return r.ok ? { ...rest, [s.studyUid]: r.value } : rest;
    });
  };
  const pick = (s: PacsSeries, label: string, on: boolean) => setPicked((m) => {
    const next = new Map(m);
    if (on) next.set(s.seriesUid, { studyUid: s.studyUid, seriesUid: s.seriesUid, label });
    else next.delete(s.seriesUid);
    return next;
  });
  const importPicked = async () => {
    setStarting(true);
    const started: { id: number; label: string }[] = [];
    for (const p of picked.values()) {
      const r = await call('Import from PACS', () => getApi().pullFromPacs({ projectId, connection: chosen, studyUid: p.studyUid, seriesUid: p.seriesUid }));
      if (!r.ok) break; // the rest stay picked
      track(r.value);
      started.push({ id: r.value.id, label: p.label });
      setPicked((m) => {
        const next = new Map(m);
        next.delete(p.seriesUid);
        return next;
      });
    }
    setJobs((j) => [...started, ...j]);
    setStarting(false);
  };

  const field = { size: 'xs' as const };
  return (
    <Modal opened={opened} onClose={onClose} title="Open from PACS" size="90rem" closeButtonProps={{ 'aria-label': 'Close dialog' }}>
      <Stack gap="sm">
        {connections.list != null && list.length === 0 && (
          <Alert color="yellow" variant="light" title="No PACS connection">
            Add your PACS in Settings (the gear at the top right): its DICOMweb URL and, if it asks for one, a user name and password.
          </Alert>
        )}
        {list.length > 0 && (
          <form onSubmit={submit} role="search" aria-label="Search the PACS">
            <Group gap="xs" align="flex-end" wrap="wrap">
              {list.length > 1 && <NativeSelect {...field} label="PACS" value={chosen} onChange={(e) => setConnection(e.currentTarget.value)} data={list.map((c) => c.name)} />}
              <TextInput {...field} label="Patient ID" value={patientId} onChange={(e) => setPatientId(e.currentTarget.value)} data-autofocus w={150} />
              <TextInput {...field} label="Accession number" value={accession} onChange={(e) => setAccession(e.currentTarget.value)} w={150} />
              <TextInput {...field} type="date" label="Study date from" value={dateFrom} onChange={(e) => setDateFrom(e.currentTarget.value)} w={140} />
              <TextInput {...field} type="date" label="Study date to" value={dateTo} onChange={(e) => setDateTo(e.currentTarget.value)} w={140} />
              <NativeSelect {...field} label="Modality" value={modality} onChange={(e) => setModality(e.currentTarget.value)} data={[{ value: '', label: 'Any' }, ...MODALITIES]} w={90} />
              <Button type="submit" size="xs" loading={searching} leftSection={<IconSearch size={14} />}>Search</Button>
            </Group>
            {list.length === 1 && <Text size="xs" c="dimmed" mt={4}>Searching {chosen}. Empty fields match everything.</Text>}
          </form>
        )}
        {studies && studies.list.length === 0 && <Text size="sm" c="dimmed" role="status">No studies match{studies.offset > 0 ? ' on this page' : ''}.</Text>}
        {studies && studies.list.length > 0 && (
          <ScrollArea.Autosize mah="50vh" type="auto">
            <Table aria-label="Studies" striped highlightOnHover verticalSpacing={4} fz="xs" stickyHeader>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={32} />
                  <Table.Th>Date</Table.Th>
                  <Table.Th>Patient ID</Table.Th>
                  <Table.Th>Patient</Table.Th>
                  <Table.Th>Accession</Table.Th>
                  <Table.Th>Description</Table.Th>
                  <Table.Th>Modalities</Table.Th>
                  <Table.Th ta="right">Series</Table.Th>
                  <Table.Th ta="right">Images</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {studies.list.map((s) => {
                  const open = series[s.studyUid];
                  const name = `Series of ${s.patientId || 'no patient ID'}, ${showDicomDate(s.studyDate) || 'no date'}${s.accessionNumber ? `, accession ${s.accessionNumber}` : ''}`;
                  return (
                    <Fragment key={s.studyUid}>
                      <Table.Tr>
                        <Table.Td>
                          <ActionIcon size="sm" variant="subtle" aria-label={name} aria-expanded={open != null} loading={open === 'loading'} onClick={() => void toggleStudy(s)}>
                            {open ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
                          </ActionIcon>
                        </Table.Td>
                        <Table.Td>{showDicomDate(s.studyDate)}</Table.Td>
                        <Table.Td>{s.patientId}</Table.Td>
                        <Table.Td>{showPersonName(s.patientName)}</Table.Td>
                        <Table.Td>{s.accessionNumber}</Table.Td>
                        <Table.Td>{s.description}</Table.Td>
                        <Table.Td>{s.modalities.join(', ')}</Table.Td>
                        <Table.Td ta="right">{s.series ?? '–'}</Table.Td>
                        <Table.Td ta="right">{s.instances ?? '–'}</Table.Td>
                      </Table.Tr>
                      {Array.isArray(open) && (
                        <Table.Tr>
                          <Table.Td />
                          <Table.Td colSpan={8}>
                            {open.length === 0 ? (
                              <Text size="xs" c="dimmed">The server lists no series for this study.</Text>
                            ) : (
                              <Stack gap={4} role="group" aria-label={name}>
                                {open.map((se) => {
                                  const label = `Series ${se.number ?? '–'}: ${se.modality}${se.description ? ` ${se.description}` : ''} (${se.instances == null ? 'images not counted' : plural(se.instances, 'image')})`;
                                  return <Checkbox key={se.seriesUid} size="xs" label={label} checked={picked.has(se.seriesUid)} onChange={(e) => pick(se, label, e.currentTarget.checked)} />;
                                })}
                              </Stack>
                            )}
                          </Table.Td>
                        </Table.Tr>
                      )}
                    </Fragment>
                  );
                })}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        )}
        {studies && (studies.offset > 0 || studies.list.length === PAGE) && (
          <Group gap="xs" justify="center">
            <Button size="compact-xs" variant="default" disabled={studies.offset === 0 || searching} onClick={() => void search(Math.max(0, studies.offset - PAGE))}>Previous page</Button>
            <Text size="xs" c="dimmed">Studies {studies.offset + 1}–{studies.offset + studies.list.length}</Text>
            <Button size="compact-xs" variant="default" disabled={studies.list.length < PAGE || searching} onClick={() => void search(studies.offset + PAGE)}>Next page</Button>
          </Group>
        )}
        {jobs.length > 0 && (
          <Stack gap={6}>
            {jobs.map((j) => {
              const job = jobState.jobs[j.id];
              return job ? (
                <Stack key={j.id} gap={2} aria-label={`Import of ${j.label}`} role="group">
                  <Text size="xs" fw={600}>{j.label}</Text>
                  <JobProgress job={job} />
                </Stack>
              ) : null;
            })}
            {running && <Text size="xs" c="dimmed">The import goes on when this dialog is closed; the Jobs panel shows it.</Text>}
          </Stack>
        )}
        <Group justify="space-between" gap="xs">
          <Text size="xs" c="dimmed">{picked.size > 0 ? `${plural(picked.size, 'series', 'series')} picked` : studies ? 'Expand a study and pick its series.' : ''}</Text>
          <Group gap="xs">
            <Button variant="default" onClick={onClose}>Done</Button>
            <Button onClick={() => void importPicked()} loading={starting} disabled={picked.size === 0}>
              {picked.size > 1 ? `Import ${picked.size} series` : 'Import series'}
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
