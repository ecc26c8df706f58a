// The "?" overlay: every registered action with its keys, grouped, plus the pointer gestures —
// generated from the registry, so it cannot drift from what the keys do.

import { Kbd, Modal, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { formatShortcut, POINTER_GESTURES, workspaceActions, type ActionGroup } from '../actions.ts';

const GROUPS: ActionGroup[] = ['Tools', 'Mask', 'Edit', 'View', 'Window', 'Navigate'];

export function ShortcutsOverlay({ opened, onClose }: { opened: boolean; onClose(): void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Keyboard shortcuts" size="xl">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
        {GROUPS.map((g) => (
          <Stack key={g} gap={4}>
            <Title order={6}>{g}</Title>
            <Table>
              <Table.Tbody>
                {workspaceActions.actions
                  .filter((a) => a.group === g && a.shortcuts.length > 0)
                  .map((a) => (
                    <Table.Tr key={a.id}>
                      <Table.Td>{a.label}</Table.Td>
                      <Table.Td style={{ textAlign: 'right', whiteSpace: 'nowrap' }}>
                        {a.shortcuts.map((s, k) => (
                          <span key={k}>
                            {k > 0 && ' / '}
                            <Kbd size="xs">{formatShortcut(s)}</Kbd>
                          </span>
                        ))}
                      </Table.Td>
                    </Table.Tr>
                  ))}
              </Table.Tbody>
            </Table>
          </Stack>
        ))}
        <Stack gap={4}>
          <Title order={6}>Pointer</Title>
          <Table>
            <Table.Tbody>
              {POINTER_GESTURES.map((p) => (
                <Table.Tr key={p.gesture}>
                  <Table.Td>{p.effect}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>
                    <Text size="xs">{p.gesture}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      </SimpleGrid>
    </Modal>
  );
}
