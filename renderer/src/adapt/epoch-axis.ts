// The training chart's x axis in epochs, the unit the status line counts in ("Epoch 2 / 3"). The
// chart plots by step (one point per optimiser step, validation on the steps where it ran), so the
// axis marks where each epoch began: tick e sits at the step before epoch e's first one, so the
// stretch from tick e to tick e + 1 is the (e + 1)-th epoch, as "Epoch e + 1 / N" says.

export interface EpochTick {
  /** x position (a step) */
  step: number;
  /** epochs completed at that step */
  epochs: number;
}

/** One tick per epoch seen in `points` (sorted by step, as the chart keeps them). */
export function epochTicks(points: readonly { step: number; epoch: number }[]): EpochTick[] {
  const ticks: EpochTick[] = [];
  for (const p of points) {
    if (ticks.length > 0 && ticks[ticks.length - 1].epochs >= p.epoch) continue;
    ticks.push({ step: Math.max(0, p.step - 1), epochs: p.epoch });
  }
  return ticks;
}
