// Adapt jobs whose result the user has answered (activated or kept the current): their comparison
// is not offered again. Remembered across restarts.

import { useCallback, useState } from 'react';

const KEY = 'delineate.decidedAdaptJobs';
const MAX = 200;

function read(): number[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x)) : [];
  } catch {
    return [];
  }
}

export function useDecidedAdapts(): { decided: (jobId: number) => boolean; decide(jobId: number): void } {
  const [ids, setIds] = useState<number[]>(read);
  const decide = useCallback((jobId: number) => {
    setIds((list) => {
      const next = [jobId, ...list.filter((x) => x !== jobId)].slice(0, MAX);
      try {
        localStorage.setItem(KEY, JSON.stringify(next));
      } catch {
        // storage disabled: the choice holds for this session
      }
      return next;
    });
  }, []);
  return { decided: (jobId) => ids.includes(jobId), decide };
}
