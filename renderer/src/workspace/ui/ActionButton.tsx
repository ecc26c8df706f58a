// A button for a registered action: its accessible name is the action's label, its tooltip adds
// the shortcut, and it is disabled when the action is (one source for all three).

import { ActionIcon, Tooltip } from '@mantine/core';
import type { Icon } from '@tabler/icons-react';
import { workspaceActions, type WorkspaceCommands } from '../actions.ts';

export function ActionButton({ id, icon: IconC, commands, active, tooltip }: {
  id: string;
  icon: Icon;
  commands: WorkspaceCommands;
  /** a tool that is selected, or a toggle that is on */
  active?: boolean;
  /** replaces the label in the tooltip ("Undo brush stroke") */
  tooltip?: string;
}) {
  const a = workspaceActions.get(id);
  const enabled = !a.enabled || a.enabled(commands);
  const keys = workspaceActions.title(id).slice(a.label.length);
  return (
    <Tooltip label={`${tooltip ?? a.label}${keys}`}>
      <ActionIcon
        aria-label={a.label}
        aria-pressed={active === undefined ? undefined : active}
        variant={active ? 'filled' : 'subtle'}
        disabled={!enabled}
        onClick={() => a.run(commands)}
      >
        <IconC size={18} stroke={1.6} />
      </ActionIcon>
    </Tooltip>
  );
}
