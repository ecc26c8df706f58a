// "Adapt": fine-tune an adapter on the project's corrected masks with one click; the live run;
// then the comparison with what is active and the choice to activate it.

import { Alert, Button, Collapse, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { IconAdjustments, IconSparkles } from '@tabler/icons-react';
import { useState } from 'react';
import type { AppInfo } from '../api/api.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { useJobs } from '../jobs/jobs-context.ts';
import { JOB_STATE_NAMES } from '../jobs/job-text.ts';
import { adaptConfigFromForm, defaultVariant, emptyAdaptForm, MIN_CORRECTED_MASKS, type AdaptForm } from '../lib/adapt-config.ts';
import { readAdaptResult } from '../lib/adapt-progress.ts';
import { plural } from '../lib/format.ts';
import { isActive, sortedJobs } from '../lib/jobs-state.ts';
import { AdaptAdvanced } from './AdaptAdvanced.tsx';
import { AdaptComparison } from './AdaptComparison.tsx';
import { AdaptRunStatus } from './AdaptRunStatus.tsx';
import type { Adapters } from './useAdapters.ts';
import { useDecidedAdapts } from './useDecidedAdapts.ts';

/**
 * `named`: corrected masks with a prompt or label — a mask nobody named cannot teach a
 * text-prompted model, so only these count towards the minimum.
 */
export function AdaptPanel({ projectId, correctedMasks, named, adapters, info }: { projectId: number; correctedMasks: number; named: number; adapters: Adapters; info: AppInfo | null }) {
  const call = useApiCall();
  const { state, track } = useJobs();
  const { decided, decide } = useDecidedAdapts();
  const [form, setForm] = useState<AdaptForm>(emptyAdaptForm);
  const [advanced, setAdvanced] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<keyof AdaptForm, string>>>({});
  const [starting, setStarting] = useState(false);

  const latest = sortedJobs(state, projectId).find((j) => j.kind === 'adapt') ?? null;
  const running = latest != null && isActive(latest);
  const result = latest?.state === 'done' ? readAdaptResult(latest.result) : null;
  const candidateActive = result != null && adapters.active?.id === result.adapterId;
  const offerComparison = latest != null && result != null && !decided(latest.id) && !candidateActive;
  const gpu = info?.gpu ?? false;
  const enough = named >= MIN_CORRECTED_MASKS;
  const unnamed = correctedMasks - named;
  const variant = (form.variant ?? defaultVariant(gpu)).toUpperCase();

  const start = async () => {
    const checked = adaptConfigFromForm(form);
    setErrors(checked.errors);
    if (Object.keys(checked.errors).length > 0) {
      setAdvanced(true);
      return;
    }
    setStarting(true);
    const r = await call('Adapt', () => getApi().startJob({ kind: 'adapt', projectId, config: { ...checked.config } }));
    setStarting(false);
    if (r.ok) track(r.value);
  };
  const activate = async () => {
    if (!latest || !result) return;
    const r = await call('Activate adapter', () => getApi().activateAdapter({ adapterId: result.adapterId }));
    if (!r.ok) return;
    decide(latest.id);
    await adapters.reload();
  };

  return (
    <Stack gap="md" maw={900}>
      <Stack gap={4}>
        <Title order={2} size="h4">Adapt the model to this project</Title>
        <Text size="sm" c="dimmed">
          Trains a small adapter on your corrected masks while CLIPSeg itself stays unchanged, then compares it with what is active now on
          corrected images held out from training. Nothing changes until you activate it; every version stays available for rollback.
        </Text>
      </Stack>

      {running && latest && (
        <Paper withBorder p="md">
          <AdaptRunStatus job={latest} points={state.adaptPoints[latest.id] ?? []} />
        </Paper>
      )}

      {!running && offerComparison && result && latest && (
        <Paper withBorder p="md">
          <Title order={3} size="h5" mb="xs">New adapter ready</Title>
          <AdaptComparison result={result} currentName={adapters.active?.name ?? null} onActivate={activate} onKeep={() => decide(latest.id)} />
        </Paper>
      )}

      {!running && latest && !decided(latest.id) && (latest.state === 'failed' || latest.state === 'cancelled' || latest.state === 'interrupted') && (
        <Alert color={latest.state === 'failed' ? 'red' : 'yellow'} variant="light" title={`Last training ${JOB_STATE_NAMES[latest.state].toLowerCase()}`} withCloseButton closeButtonLabel="Dismiss" onClose={() => decide(latest.id)}>
          {latest.error ?? (latest.state === 'cancelled' ? 'Cancelled before it finished; no adapter was saved.' : 'The app stopped while it ran.')}
        </Alert>
      )}

      {!running && (
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Group justify="space-between" align="flex-start" wrap="wrap">
              <Stack gap={2}>
                <Text size="sm" fw={600}>{plural(correctedMasks, 'corrected mask')} in this project</Text>
                {unnamed > 0 && (
                  <Text size="xs" c="dimmed">
                    {unnamed === 1 ? '1 of them has' : `${unnamed} of them have`} no prompt or label, so Adapt cannot use {unnamed === 1 ? 'it' : 'them'}: open {unnamed === 1 ? 'it' : 'them'}, type what the mask shows and accept again.
                  </Text>
                )}
                {enough ? (
                  <Text size="xs" c="dimmed">
                    {form.variant ? `Variant ${variant} (chosen below).` : `Variant ${variant}: ${gpu ? 'a GPU is available, so dense adapters' : 'no GPU here, so shallow adapters that train fast on the CPU'}.`}
                  </Text>
                ) : (
                  <Text size="xs" c="yellow.4" id="adapt-needs-masks">
                    Adapting needs at least {MIN_CORRECTED_MASKS} corrected masks with a prompt or label (some train, some are held out to check
                    the result). Correct {MIN_CORRECTED_MASKS - named} more in the library first.
                  </Text>
                )}
              </Stack>
              <Button
                size="sm"
                leftSection={<IconSparkles size={16} />}
                onClick={start}
                loading={starting}
                disabled={!enough}
                aria-describedby={enough ? undefined : 'adapt-needs-masks'}
              >
                Adapt
              </Button>
            </Group>
            <div>
              <Button variant="subtle" color="gray" leftSection={<IconAdjustments size={14} />} onClick={() => setAdvanced((a) => !a)} aria-expanded={advanced} aria-controls="adapt-advanced">
                Advanced options
              </Button>
              <Collapse in={advanced} id="adapt-advanced">
                <Stack pt="xs">
                  <AdaptAdvanced form={form} onChange={setForm} errors={errors} gpu={gpu} disabled={starting} />
                </Stack>
              </Collapse>
            </div>
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}
