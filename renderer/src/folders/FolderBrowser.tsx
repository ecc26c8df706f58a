// A small folder browser for the web host, where no native dialog can give a path: lists a
// folder's sub-folders and importable files (listDir), goes up and down, and picks.

import { ActionIcon, Badge, Button, Code, Group, Loader, Paper, ScrollArea, Stack, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { IconArrowUp, IconFile, IconFolder, IconHome } from '@tabler/icons-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { getApi, type DirListing } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';

const KIND_NAMES: Record<string, string> = { png: 'PNG', jpeg: 'JPEG', dicom: 'DICOM', nifti: 'NIfTI' };

export function FolderBrowser({ startPath, pickFolderLabel, onPickFolder, onPickFile }: {
  /** where to open (default: the user's home folder) */
  startPath?: string;
  pickFolderLabel: string;
  onPickFolder(path: string): void;
  /** files are pickable only when given */
  onPickFile?(path: string): void;
}) {
  const call = useApiCall();
  const [listing, setListing] = useState<DirListing | null>(null);
  const [loading, setLoading] = useState(false);

  const open = useCallback(async (path?: string) => {
    setLoading(true);
    const r = await call('List folder', () => getApi().listDir({ path }));
    setLoading(false);
    if (r.ok) setListing(r.value);
    return r.ok;
  }, [call]);

  // Opened once where it starts; later changes of startPath (the user typing) must not yank the view.
  const start = useRef(startPath);
  useEffect(() => {
    const from = start.current || undefined;
    if (!from) {
      void open(undefined);
      return;
    }
    // A start path that is not a folder (a file, or one not created yet) quietly falls back to home.
    let live = true;
    void getApi().listDir({ path: from }).then((r) => {
      if (!live) return;
      if (r.ok) setListing(r.value);
      else void open(undefined);
    }, () => live && void open(undefined));
    return () => {
      live = false;
    };
  }, [open]);

  const folders = listing?.entries.filter((e) => e.kind === 'folder') ?? [];
  const files = listing?.entries.filter((e) => e.kind !== 'folder') ?? [];

  return (
    <Paper withBorder p="xs" role="region" aria-label="Folder browser">
      <Stack gap={6}>
        <Group gap={4} wrap="nowrap">
          <Tooltip label="Parent folder">
            <ActionIcon aria-label="Parent folder" disabled={!listing?.parent || loading} onClick={() => listing?.parent && open(listing.parent)}><IconArrowUp size={16} /></ActionIcon>
          </Tooltip>
          <Tooltip label="Home folder">
            <ActionIcon aria-label="Home folder" disabled={loading} onClick={() => open(undefined)}><IconHome size={16} /></ActionIcon>
          </Tooltip>
          <Code style={{ flex: 1, minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', direction: 'rtl', textAlign: 'left' }} aria-label="Current folder" title={listing?.path}>
            {/* marks keep the path's slashes where they belong under direction: rtl (start-truncation) */}
            {listing ? `\u200e${listing.path}\u200e` : '…'}
          </Code>
          {loading && <Loader size="xs" aria-label="Loading folder" />}
        </Group>
        <ScrollArea h={200} type="auto">
          <Stack gap={0} role="list" aria-label="Folder contents">
            {listing && folders.length === 0 && files.length === 0 && <Text size="xs" c="dimmed" p={4}>This folder holds no sub-folders or images.</Text>}
            {folders.map((e) => (
              <UnstyledButton key={e.path} role="listitem" aria-label={`Folder ${e.name}`} onClick={() => open(e.path)} px={4} py={2} style={{ borderRadius: 4 }} className="delineate-browser-row">
                <Group gap={6} wrap="nowrap"><IconFolder size={14} aria-hidden /><Text size="xs" truncate>{e.name}</Text></Group>
              </UnstyledButton>
            ))}
            {files.map((e) => (
              <UnstyledButton key={e.path} role="listitem" aria-label={`File ${e.name}`} disabled={!onPickFile} onClick={() => onPickFile?.(e.path)} px={4} py={2} style={{ borderRadius: 4, cursor: onPickFile ? 'pointer' : 'default' }} className="delineate-browser-row">
                <Group gap={6} wrap="nowrap"><IconFile size={14} aria-hidden /><Text size="xs" truncate>{e.name}</Text><Badge size="xs" variant="outline" color="gray">{KIND_NAMES[e.kind] ?? e.kind}</Badge></Group>
              </UnstyledButton>
            ))}
            {listing?.truncated && <Text size="xs" c="dimmed" p={4}>More entries than can be listed: type the path instead.</Text>}
          </Stack>
        </ScrollArea>
        <Group justify="flex-end">
          <Button variant="light" disabled={!listing} onClick={() => listing && onPickFolder(listing.path)}>{pickFolderLabel}</Button>
        </Group>
      </Stack>
    </Paper>
  );
}
