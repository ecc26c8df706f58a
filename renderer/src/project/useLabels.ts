// The project's labels (imports of datasets add some; the workspace may too).

import { useEffect, useState } from 'react';
import type { LabelInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';

export function useLabels(projectId: number, version: number): LabelInfo[] {
  const call = useApiCall();
  const [labels, setLabels] = useState<LabelInfo[]>([]);
  useEffect(() => {
    let live = true;
    void call('List labels', () => getApi().listLabels({ projectId })).then((r) => {
      if (live && r.ok) setLabels(r.value);
    });
    return () => {
      live = false;
    };
  }, [call, projectId, version]);
  return labels;
}
