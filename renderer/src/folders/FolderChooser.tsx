// Choosing a folder in a dialog: "Choose folder…" where the shell has a native dialog (Electron),
// else a toggle that shows the folder browser inline (the web host has no folder dialog). One
// control for every dialog that asks for a folder, so they behave alike.

import { Button, Group } from '@mantine/core';
import { IconFolder } from '@tabler/icons-react';
import { useState } from 'react';
import { FolderBrowser } from './FolderBrowser.tsx';
import { usePickFolder } from './usePickFolder.ts';

export function FolderChooser({ startPath, pickLabel, onPick, closeOnPick = true }: {
  /** where the inline browser opens */
  startPath: string;
  /** the inline browser's button that picks the folder it shows */
  pickLabel: string;
  onPick(path: string): void | Promise<void>;
  /** hide the inline browser once a folder is picked */
  closeOnPick?: boolean;
}) {
  const folder = usePickFolder();
  const [browsing, setBrowsing] = useState(false);
  const chooseNative = async () => {
    const p = await folder.pick();
    if (p) await onPick(p);
  };
  return (
    <>
      <Group gap="xs">
        {folder.native ? (
          <Button variant="default" leftSection={<IconFolder size={14} />} onClick={chooseNative}>Choose folder…</Button>
        ) : (
          <Button variant="default" leftSection={<IconFolder size={14} />} onClick={() => setBrowsing((b) => !b)} aria-expanded={browsing}>
            {browsing ? 'Hide folder browser' : 'Browse folders…'}
          </Button>
        )}
      </Group>
      {browsing && !folder.native && (
        <FolderBrowser startPath={startPath} pickFolderLabel={pickLabel} onPickFolder={(p) => { if (closeOnPick) setBrowsing(false); void onPick(p); }} />
      )}
    </>
  );
}
