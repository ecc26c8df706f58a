// Training loss (left axis) and validation Dice in percent (right axis), live. Points are per
// step; the x axis counts epochs, as the status line above it does (epoch-axis.ts).

import { LineChart } from '@mantine/charts';
import { Center, Text, VisuallyHidden } from '@mantine/core';
import type { AdaptChartPoint } from '../lib/adapt-progress.ts';
import { epochTicks } from './epoch-axis.ts';

export function AdaptChart({ points }: { points: AdaptChartPoint[] }) {
  if (points.length === 0) {
    return <Center h={220}><Text size="xs" c="dimmed">The curve appears with the first training steps.</Text></Center>;
  }
  const ticks = epochTicks(points);
  const epochsAt = new Map(ticks.map((t) => [t.step, t.epochs]));
  return (
    <figure style={{ margin: 0 }} aria-label="Training loss and validation Dice">
      <LineChart
        h={240}
        data={points}
        dataKey="step"
        series={[
          { name: 'loss', label: 'Training loss', color: 'orange.5' },
          { name: 'valDice', label: 'Validation Dice (%)', color: 'accent.4', yAxisId: 'right' },
        ]}
        withRightYAxis
        rightYAxisProps={{ domain: [0, 100], tickFormatter: (v: number) => String(Math.round(v)) }}
        // the loss axis follows the data so a slow decline is still visible
        yAxisProps={{ domain: ['auto', 'auto'], tickFormatter: (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toPrecision(3)) }}
        xAxisProps={{ type: 'number', domain: [ticks[0]?.step ?? 'dataMin', 'dataMax'], ticks: ticks.map((t) => t.step), tickFormatter: (step: number) => String(epochsAt.get(step) ?? '') }}
        xAxisLabel="Epoch"
        yAxisLabel="Loss"
        rightYAxisLabel="Dice %"
        curveType="linear"
        withDots={false}
        lineProps={(s) => (s.name === 'valDice' ? { dot: { r: 3 }, isAnimationActive: false } : { isAnimationActive: false })}
        withLegend
        legendProps={{ verticalAlign: 'top', height: 28 }}
        valueFormatter={(v) => (Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3))}
        gridAxis="xy"
        tooltipAnimationDuration={0}
      />
      <VisuallyHidden component="figcaption">
        {(() => {
          const last = points.at(-1)!;
          const dice = [...points].reverse().find((p) => p.valDice != null);
          return `Epoch ${last.epoch + 1}: loss ${last.loss?.toFixed(3) ?? '—'}; latest validation Dice ${dice?.valDice?.toFixed(1) ?? '—'}%.`;
        })()}
      </VisuallyHidden>
    </figure>
  );
}
