// The end of an adapt job: the new adapter against what is active now, on the same held-out
// corrected images, and the choice to activate it or keep the current one. On fewer than
// MIN_JUDGED (contract/adapter-report.ts, shared with the adapter report) held-out images a standard deviation and a "better" verdict would be noise, so only
// the means are shown, and the dialog says why.

import { Alert, Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import type { AdaptResult } from '../../../main/contract/contract.ts';
import { MIN_JUDGED } from '../../../main/contract/adapter-report.ts';
import { betterScore, formatStat, plural, SCORE_LABELS, type ScoreName } from '../lib/format.ts';

/** Corrected masks at which Adapt's held-out fifth (rounded, at least one) reaches MIN_JUDGED. */
const CORRECTIONS_FOR_JUDGED = 13;

const mean = (stat: { mean: number }, percent: boolean): string => (Number.isFinite(stat.mean) ? (stat.mean * (percent ? 100 : 1)).toFixed(1) : '—');

const ROWS: { name: ScoreName; hint: string }[] = [
  { name: 'dsc', hint: 'Dice, % (higher is better)' },
  { name: 'iou', hint: 'IoU, % (higher is better)' },
  { name: 'hd95', hint: '95% Hausdorff distance, mm where every image has a pixel spacing, else pixels (lower is better)' },
];

export function AdaptComparison({ result, currentName, onActivate, onKeep }: {
  result: AdaptResult;
  /** the active adapter's name, null for the base model */
  currentName: string | null;
  onActivate(): Promise<void>;
  onKeep(): void;
}) {
  const [busy, setBusy] = useState(false);
  const n = Math.min(result.candidate.n, result.current.n);
  const judged = n >= MIN_JUDGED;
  const dscWinner = judged ? betterScore('dsc', result.candidate, result.current) : null;
  const cell = (stat: { mean: number; std: number }, percent: boolean) => (judged ? formatStat(stat, percent) : mean(stat, percent));
  const activate = async () => {
    setBusy(true);
    await onActivate();
    setBusy(false);
  };
  return (
    <Stack gap="sm">
      <Text size="sm">
        Trained {plural(result.epochs, 'epoch')} ({result.variant.toUpperCase()}, best epoch {result.bestEpoch + 1}) on {plural(result.trainImages, 'image')}, compared on{' '}
        {plural(result.heldOutImages, 'held-out corrected image')}.
      </Text>
      <Table withTableBorder withColumnBorders aria-label="Comparison of the new adapter with the current model" captionSide="bottom">
        <Table.Caption>{judged ? 'mean ± standard deviation' : 'mean'} over n = {plural(result.candidate.n, 'image')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Score</Table.Th>
            <Table.Th>New adapter</Table.Th>
            <Table.Th>Current ({currentName ?? 'base model'})</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {ROWS.map(({ name, hint }) => {
            const winner = judged ? betterScore(name, result.candidate, result.current) : null;
            return (
              <Table.Tr key={name}>
                <Table.Th scope="row" title={hint}>{SCORE_LABELS[name]}{name === 'hd95' ? ` (${result.candidate.hd95Unit ?? 'px'})` : ' (%)'}</Table.Th>
                <Table.Td fw={winner === 'candidate' ? 700 : undefined}>{cell(result.candidate[name], name !== 'hd95')}{winner === 'candidate' && <Badge ml={6} size="xs" color="green" variant="light">better</Badge>}</Table.Td>
                <Table.Td fw={winner === 'current' ? 700 : undefined}>{cell(result.current[name], name !== 'hd95')}{winner === 'current' && <Badge ml={6} size="xs" color="green" variant="light">better</Badge>}</Table.Td>
              </Table.Tr>
            );
          })}
          <Table.Tr>
            <Table.Th scope="row">n</Table.Th>
            <Table.Td>{result.candidate.n}</Table.Td>
            <Table.Td>{result.current.n}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      {dscWinner === 'current' && (
        <Alert color="yellow" variant="light" p="xs">The new adapter scores a lower Dice than what is active now. Keeping the current one is usually right; more corrected masks help.</Alert>
      )}
      {!judged && (
        <Text size="xs" c="dimmed" aria-label="Why no verdict">
          Compared on only {plural(n, 'held-out image')}: too few for a spread or a verdict, which need {MIN_JUDGED}. Adapt holds out a fifth of the corrected masks, so {CORRECTIONS_FOR_JUDGED} or more give {MIN_JUDGED}.
        </Text>
      )}
      {judged && n < 5 && <Text size="xs" c="dimmed">Few held-out images: the scores are a rough guide only.</Text>}
      <Group justify="flex-end" gap="xs">
        <Button variant="default" onClick={onKeep} disabled={busy}>Keep current</Button>
        <Button onClick={activate} loading={busy}>Activate</Button>
      </Group>
    </Stack>
  );
}
