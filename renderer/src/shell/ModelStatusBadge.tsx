// The header's model line: which model answers previews and which adapter is applied on top.

import { Badge, Group, Tooltip } from '@mantine/core';
import type { AdapterInfo } from '../../../main/contract/contract.ts';
import type { AppInfo } from '../api/api.ts';

export function ModelStatusBadge({ info, activeAdapter, inProject }: { info: AppInfo | null; activeAdapter: AdapterInfo | null; inProject: boolean }) {
  if (!info) return null;
  const model = info.model;
  const modelText = !model ? 'No model' : info.demo ? 'Demo model' : model.name;
  const modelColor = !model ? 'red' : info.demo ? 'yellow' : 'gray';
  const modelTip = !model ? 'No model is installed: open Settings for how to install it.' : info.demo ? 'The tiny demo model: not for real images. Open Settings for how to install the real one.' : model.id;
  return (
    <Group gap={4} wrap="nowrap" role="status" aria-label="Model status">
      <Tooltip label={modelTip} multiline maw={320}>
        <Badge color={modelColor} variant="light" tt="none">{modelText}</Badge>
      </Tooltip>
      {inProject && (
        <Tooltip label={activeAdapter ? `Adapter "${activeAdapter.name}" (${activeAdapter.variant}) is applied to every preview and model mask` : 'No adapter: the base model as downloaded'} multiline maw={320}>
          <Badge color={activeAdapter ? 'accent' : 'gray'} variant={activeAdapter ? 'light' : 'outline'} tt="none">
            {activeAdapter ? `Adapter: ${activeAdapter.name}` : 'Base model'}
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}
