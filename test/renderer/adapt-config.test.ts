import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adaptConfigFromForm, defaultVariant, emptyAdaptForm, hasGpu } from '../../renderer/src/lib/adapt-config.ts';
import { ApiCallError, describeError, unwrap } from '../../renderer/src/lib/api-error.ts';

test('an untouched form sends an empty config: every default is the core’s, the variant included', () => {
  assert.deepEqual(adaptConfigFromForm(emptyAdaptForm), { config: {}, errors: {} });
});

test('filled fields are sent as numbers; bad ones are reported per field and not sent', () => {
  const { config, errors } = adaptConfigFromForm({ variant: 'da-vl', adapterDim: 64, maxEpochs: '30', lr: '0.0005', seed: 0 });
  assert.deepEqual(config, { variant: 'da-vl', adapterDim: 64, maxEpochs: 30, lr: 0.0005, seed: 0 });
  assert.deepEqual(errors, {});
  const bad = adaptConfigFromForm({ variant: null, adapterDim: 2.5, maxEpochs: 0, lr: '2', seed: '-1' });
  assert.deepEqual(bad.config, {});
  assert.deepEqual(Object.keys(bad.errors).sort(), ['adapterDim', 'lr', 'maxEpochs', 'seed']);
});

test('the default variant follows the GPU, and the gpu field is read in its likely shapes', () => {
  assert.equal(defaultVariant(false), 'sa-vlc');
  assert.equal(defaultVariant(true), 'da-vlc');
  assert.equal(hasGpu(null), false);
  assert.equal(hasGpu(false), false);
  assert.equal(hasGpu(true), true);
  assert.equal(hasGpu('cpu'), false);
  assert.equal(hasGpu('cuda'), true);
  assert.equal(hasGpu({ available: false, name: 'x' }), false);
  assert.equal(hasGpu({ provider: 'cuda' }), true);
  assert.equal(hasGpu({ provider: 'cpu' }), false);
});

test('unwrap returns values and throws the core’s error with its code; describeError keeps the message', () => {
  assert.equal(unwrap({ ok: true, value: 3 }), 3);
  assert.throws(() => unwrap({ ok: false, error: { code: 'conflict', message: 'a project named "Lung" exists' } }), (e: unknown) => e instanceof ApiCallError && e.code === 'conflict' && e.message === 'a project named "Lung" exists');
  const d = describeError('Create project', new ApiCallError({ code: 'conflict', message: 'a project named "Lung" exists' }));
  assert.deepEqual(d, { title: 'Create project: Conflict', message: 'a project named "Lung" exists', code: 'conflict' });
  const t = describeError(undefined, new TypeError('Failed to fetch'));
  assert.equal(t.code, 'transport');
  assert.equal(t.message, 'Failed to fetch');
});
