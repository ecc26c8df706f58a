// A small notification stack (@mantine/notifications is not a dependency): errors stay until
// closed, others close themselves. Rendered bottom-right above everything, announced to screen
// readers (alert for errors, status for the rest).

import { Notification, Portal, Stack } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconInfoCircle } from '@tabler/icons-react';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { NotifyContext, type NotificationInput, type NotificationItem } from './notify-context.ts';

const AUTO_CLOSE_MS = 5000;
const MAX_SHOWN = 5;

export function NotificationProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<NotificationItem[]>([]);
  const nextId = useRef(1);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: number) => {
    setItems((list) => list.filter((n) => n.id !== id));
    const t = timers.current.get(id);
    if (t) clearTimeout(t);
    timers.current.delete(id);
  }, []);

  const notify = useCallback((n: NotificationInput) => {
    const id = nextId.current++;
    // The same error repeated (e.g. a failing poll) replaces the older copy instead of piling up.
    setItems((list) => [...list.filter((o) => !(o.title === n.title && o.message === n.message)), { ...n, id }].slice(-MAX_SHOWN));
    if (n.kind !== 'error') timers.current.set(id, setTimeout(() => dismiss(id), AUTO_CLOSE_MS));
  }, [dismiss]);

  useEffect(() => () => timers.current.forEach(clearTimeout), []);

  return (
    <NotifyContext.Provider value={notify}>
      {children}
      <Portal>
        <Stack gap="xs" pos="fixed" bottom={16} right={16} w={380} style={{ zIndex: 1000 }} aria-label="Notifications">
          {items.map((n) => (
            <Notification
              key={n.id}
              title={n.title}
              color={n.kind === 'error' ? 'red' : n.kind === 'success' ? 'green' : 'blue'}
              icon={n.kind === 'error' ? <IconAlertTriangle size={18} /> : n.kind === 'success' ? <IconCheck size={18} /> : <IconInfoCircle size={18} />}
              onClose={() => dismiss(n.id)}
              closeButtonProps={{ 'aria-label': 'Dismiss notification' }}
              role={n.kind === 'error' ? 'alert' : 'status'}
              withBorder
              styles={{ description: { whiteSpace: 'pre-wrap', wordBreak: 'break-word' } }}
            >
              {n.message}
            </Notification>
          ))}
        </Stack>
      </Portal>
    </NotifyContext.Provider>
  );
}
