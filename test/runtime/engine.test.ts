// The engine worker: graphs run off the caller's thread, weights are shared between sessions,
// bad feeds name the tensor, a dead worker fails pending calls, CUDA is used where installed and
// otherwise falls back to the CPU.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import * as G from '../../main/engine/graph/index.ts';
import { Engine, EngineError } from '../../main/engine/runtime/engine.ts';
import { FeedError, type HostTensor } from '../../main/engine/runtime/host-tensor.ts';
import { cudaUnavailableReason } from '../../main/engine/runtime/providers.ts';

const f32 = (dims: number[], values: number[]): HostTensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });

function affine(name: string, scale: number): G.CompiledGraph {
  const g = new G.Graph();
  const x = g.input('x', 'float32', [2]);
  const w = g.param('shared.w', [2]);
  return G.compile({ y: G.mul(G.add(G.mul(x, w), 0), scale) }, { name });
}

describe('engine worker', () => {
  const logs: string[] = [];
  const engine = new Engine({ provider: 'cpu', threads: 1, log: (l) => logs.push(l) });
  after(() => engine.close());

  test('loads graphs, logs the provider once, and serves one stored weight to two sessions', async () => {
    await engine.setWeights({ 'shared.w': f32([2], [3, 4]) });
    const p = await engine.load('double', affine('double', 2));
    await engine.load('triple', affine('triple', 3));
    assert.equal(p.provider, 'cpu');
    assert.deepEqual(logs, ['execution provider: cpu']);
    const a = await engine.run('double', { x: f32([2], [1, 1]) });
    const b = await engine.run('triple', { x: f32([2], [1, 2]) });
    assert.deepEqual([...a.y.data], [6, 8]);
    assert.deepEqual([...b.y.data], [9, 24]);
  });

  test('the caller stays responsive while a graph runs', async () => {
    const g = new G.Graph();
    const x = g.input('x', 'float32', [256, 256]);
    let y = x;
    for (let i = 0; i < 40; i++) y = G.tanh(G.matmul(y, x));
    await engine.load('busy', G.compile({ y }));
    let settled = false;
    const running = engine.run('busy', { x: f32([256, 256], Array.from({ length: 65536 }, (_, i) => Math.sin(i) / 256)) }).then((out) => { settled = true; return out; });
    // Run on this thread, the graph would have finished (and its continuation run) before the
    // event loop reached the next check phase; off-thread, the loop turns while it runs.
    const turnedWhileRunning = await new Promise<boolean>((resolve) => setImmediate(() => resolve(!settled)));
    assert.ok(turnedWhileRunning, 'the event loop turned while the graph ran');
    assert.deepEqual((await running).y.dims, [256, 256]);
  });

  test('a missing feed, a wrong dtype, wrong dims and an unknown feed each name the tensor', async () => {
    await assert.rejects(engine.run('double', {}), (e: Error) => e instanceof FeedError && /missing feed 'x' \(float32 \[2\]\)/.test(e.message));
    await assert.rejects(engine.run('double', { x: { dtype: 'float64', dims: [2], data: new Float64Array(2) } }), /feed 'x' is float64, expected float32/);
    await assert.rejects(engine.run('double', { x: f32([1, 2], [1, 2]) }), /feed 'x' has dims \[1,2\], expected \[2\]/);
    await assert.rejects(engine.run('double', { x: f32([2], [1, 2]), typo: f32([1], [0]) }), /unknown feed 'typo'/);
    await assert.rejects(engine.run('double', { x: { dtype: 'float32', dims: [2], data: new Float32Array(3) } }), /tensor 'x': 3 values for dims \[2\]/);
    await assert.rejects(engine.run('nope', {}), (e: Error) => e instanceof EngineError && /graph 'nope' is not loaded/.test(e.message));
  });

  test('a weight the store lacks is reported as a missing feed', async () => {
    const g = new G.Graph();
    const y = G.add(g.param('absent.bias', [2]), g.input('x', 'float32', [2]));
    await engine.load('needs-bias', G.compile({ y }));
    await assert.rejects(engine.run('needs-bias', { x: f32([2], [1, 2]) }), /missing feed 'absent\.bias'/);
    await engine.setWeights({ 'absent.bias': f32([3], [1, 2, 3]) });
    await assert.rejects(engine.run('needs-bias', { x: f32([2], [1, 2]) }), /stored weight 'absent\.bias' is float32 \[3\], expected float32 \[2\]/);
  });

  test('a dropped weight is no longer served', async () => {
    await engine.dropWeights(['shared.w']);
    await assert.rejects(engine.run('double', { x: f32([2], [1, 1]) }), /missing feed 'shared\.w'/);
    await engine.setWeights({ 'shared.w': f32([2], [3, 4]) });
    assert.deepEqual([...(await engine.run('double', { x: f32([2], [1, 1]) })).y.data], [6, 8]);
  });

  test('after a release the graph is gone', async () => {
    await engine.release('triple');
    await assert.rejects(engine.run('triple', { x: f32([2], [1, 1]) }), /not loaded/);
  });
});

for (const [how, pattern] of [
  ['throws', /run 'throws' failed: engine worker crashed: simulated fault in the engine/],
  ['exits', /run 'exits' failed: engine worker exited with code 3/],
] as const) {
  test(`a worker that ${how} fails the pending call with the reason and refuses later calls`, async () => {
    const engine = new Engine({ provider: 'cpu', threads: 1, log: () => {}, entry: new URL('../helpers/failing-worker.mjs', import.meta.url) });
    await assert.rejects(engine.run(how, { x: f32([1], [1]) }), (e: Error) => e instanceof EngineError && pattern.test(e.message));
    await assert.rejects(engine.run(how, {}), /engine is not running \(engine worker/);
    await engine.close();
  });
}

test('close waits for a run in flight instead of aborting it', async () => {
  const engine = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
  const g = new G.Graph();
  const x = g.input('x', 'float32', [256, 256]);
  let y = x;
  for (let i = 0; i < 60; i++) y = G.tanh(G.matmul(y, x));
  await engine.load('long', G.compile({ y }));
  const running = engine.run('long', { x: f32([256, 256], new Array(256 * 256).fill(0.001)) });
  await engine.close();
  assert.equal((await running).y.dims[0], 256);
  await assert.rejects(engine.run('long', {}), /engine is not running \(engine closed\)/);
});

/** An NVIDIA GPU with a working driver, asked of the driver itself rather than of ORT. */
const hasNvidiaGpu = (): boolean => {
  const r = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
  return r.status === 0 && /^GPU \d+:/m.test(r.stdout);
};

test('asking for CUDA uses it where it is installed, and elsewhere falls back to the CPU and says why', async () => {
  const logs: string[] = [];
  const engine = new Engine({ provider: 'cuda', threads: 1, log: (l) => logs.push(l) });
  try {
    const choice = await engine.load('g', affine('g', 1));
    const missingFiles = cudaUnavailableReason();
    if (missingFiles === null && hasNvidiaGpu()) {
      // provider files and a GPU: CUDA must be chosen (a failure shows ORT's reason)
      assert.equal(choice.provider, 'cuda', `CUDA not chosen: ${JSON.stringify(choice.skipped)}`);
      assert.deepEqual(choice.skipped, []);
      assert.equal(logs[0], 'execution provider: cuda');
      return;
    }
    assert.equal(choice.provider, 'cpu');
    assert.equal(choice.skipped[0].provider, 'cuda');
    if (missingFiles !== null) assert.equal(choice.skipped[0].reason, missingFiles);
    assert.match(logs[0], /^execution provider: cpu \(not used — cuda: .+\)$/);
  } finally {
    await engine.close();
  }
});
