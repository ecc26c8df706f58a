// The settings drawer's inference precision in Chromium: the control and its reason are there
// under their accessible names, choosing int8 applies at once (the core answers int8, chosen) and
// is recorded in the data folder, and Automatic goes back to fp32 before any self-check.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ModelRuntimeInfo } from '../../main/contract/contract.ts';
import { withApp } from './helpers/app.ts';
import { api, until, visible } from './helpers/page.ts';

test('settings: Inference precision — choose int8, then Automatic', { timeout: 120_000 }, async () => {
  await withApp(async ({ page, url, dataDir, shot }) => {
    await visible(page.getByRole('button', { name: 'Settings' }));
    await page.getByRole('button', { name: 'Settings' }).click();
    const group = page.getByRole('group', { name: 'Inference precision settings' });
    await visible(group);
    const inUse = group.getByLabel('Precision in use');
    await until(() => inUse.textContent(), (t) => /Running at fp32: fp32 until the int8 self-check has run/.test(t ?? ''), 'fp32 before the self-check');

    await group.getByText('int8 (faster)').click();
    await until(() => inUse.textContent(), (t) => /Running at int8: chosen in the settings/.test(t ?? ''), 'int8 once chosen');
    const r = await api<ModelRuntimeInfo>(url, 'modelRuntime', {});
    assert.deepEqual([r.precision, r.chosen], ['int8', 'int8']);
    assert.equal(readdirSync(join(dataDir, 'precision')).filter((f) => f.endsWith('.json')).length, 1, 'the choice is kept in the data folder');
    await shot('precision-int8');

    await group.getByText('Automatic').click();
    await until(() => inUse.textContent(), (t) => /Running at fp32/.test(t ?? ''), 'automatic: fp32 before the self-check');
    const back = await api<ModelRuntimeInfo>(url, 'modelRuntime', {});
    assert.equal(back.chosen, null);
  }, { name: 'precision' });
});
