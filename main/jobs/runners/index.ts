// The runners this build has, keyed by job kind, for the JobQueue. Batch segmentation needs a
// model, so it is there only when an InferenceService is given.

import type { InferenceService } from '../../inference/service.ts';
import type { JobKind } from '../../store/jobs.ts';
import type { JobRunner } from '../runner.ts';
import { exportRunner } from './export.ts';
import { importRunner } from './import.ts';
import { segmentBatchRunner } from './segment-batch.ts';
import { suggestRunner, withSuggest } from './suggest.ts';
import { adaptRunner } from './adapt.ts';
import { withPacsPull, withPacsPush } from './pacs.ts';
import type { EngineOptions } from '../../engine/runtime/engine.ts';

export function defaultRunners(options: { inference?: InferenceService; dataDir?: string; engine?: EngineOptions; gpu?: () => Promise<boolean> } = {}): Partial<Record<JobKind, JobRunner>> {
  // a PACS pull is an import, a push an export (config.pacs; runners/pacs.ts)
  const runners: Partial<Record<JobKind, JobRunner>> = { import: withPacsPull(importRunner), export: withPacsPush(exportRunner) };
  const { inference, dataDir } = options;
  // scoring slices for "Correct this next" is a segment-batch variant (config.score; runners/suggest.ts)
  if (inference) runners['segment-batch'] = withSuggest(segmentBatchRunner(inference), suggestRunner(inference));
  // Adapting opens the model the app uses on an engine of its own.
  if (inference?.model && dataDir) runners.adapt = adaptRunner(() => inference.model!(), dataDir, options.engine, { gpu: options.gpu });
  return runners;
}
