// The runners this build has, keyed by job kind, for the JobQueue. Batch segmentation needs a
// model, so it is there only when an InferenceService is given.

import type { InferenceService } from '../../inference/service.ts';
import type { JobKind } from '../../store/jobs.ts';
import type { JobRunner } from '../runner.ts';
import { exportRunner } from './export.ts';
import { importRunner } from './import.ts';
import { segmentBatchRunner } from './segment-batch.ts';

export function defaultRunners(options: { inference?: InferenceService } = {}): Partial<Record<JobKind, JobRunner>> {
  const runners: Partial<Record<JobKind, JobRunner>> = { import: importRunner, export: exportRunner };
  if (options.inference) runners['segment-batch'] = segmentBatchRunner(options.inference);
  return runners;
}
