// `delineate demo`: trains a small segmentation net on generated discs with the fused train-step
// graph in the engine worker, and reports loss and validation Dice per epoch. It exercises the
// whole engine path (IR → autodiff → AdamW in-graph → ONNX → worker) on any machine, without a model.

import { compile, conv2d, convTranspose2d, Graph, relu, type Tensor } from '../engine/graph/index.ts';
import { Engine } from '../engine/runtime/engine.ts';
import type { HostTensor } from '../engine/runtime/host-tensor.ts';
import { diceBceLoss } from '../engine/train/loss.ts';
import { buildTrainStep } from '../engine/train/train-step.ts';
import { TrainState } from '../engine/train/train-state.ts';
import { intOption, numberOption, parse, providerOption } from './args.ts';

const SIZE = 32;
const shapes: Record<string, number[]> = { 'conv1.weight': [8, 1, 3, 3], 'conv1.bias': [8], 'conv2.weight': [8, 8, 3, 3], 'conv2.bias': [8], 'up.weight': [8, 1, 2, 2], 'up.bias': [1] };

function net(g: Graph, image: Tensor, trainable: boolean): Tensor {
  const p = (n: string): Tensor => g.param(n, shapes[n], { trainable });
  const h1 = relu(conv2d(image, p('conv1.weight'), p('conv1.bias'), { pads: 1 }));
  const h2 = relu(conv2d(h1, p('conv2.weight'), p('conv2.bias'), { pads: 1, strides: [2, 2] }));
  return convTranspose2d(h2, p('up.weight'), p('up.bias'), { strides: [2, 2] });
}

/** Seeded LCG: the demo is the same on every machine. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** Images of a bright disc on a textured background, with its mask. */
function discs(n: number, rand: () => number): { images: Float32Array; masks: Float32Array } {
  const images = new Float32Array(n * SIZE * SIZE);
  const masks = new Float32Array(n * SIZE * SIZE);
  for (let k = 0; k < n; k++) {
    const [cy, cx, r] = [6 + rand() * 20, 6 + rand() * 20, 3 + rand() * 5];
    for (let i = 0; i < SIZE; i++) for (let j = 0; j < SIZE; j++) {
      const at = k * SIZE * SIZE + i * SIZE + j;
      const inside = (i - cy) ** 2 + (j - cx) ** 2 <= r * r;
      masks[at] = inside ? 1 : 0;
      images[at] = (inside ? 0.7 : 0.2 + 0.25 * Math.sin(i * 0.9) * Math.cos(j * 0.7)) + 0.2 * (rand() - 0.5);
    }
  }
  return { images, masks };
}

const batchOf = (src: Float32Array, from: number, count: number): HostTensor =>
  ({ dtype: 'float32', dims: [count, 1, SIZE, SIZE], data: src.slice(from * SIZE * SIZE, (from + count) * SIZE * SIZE) });

function dice(logits: Float32Array, masks: Float32Array, n: number): number {
  let sum = 0;
  const px = SIZE * SIZE;
  for (let k = 0; k < n; k++) {
    let inter = 0, pred = 0, truth = 0;
    for (let i = k * px; i < (k + 1) * px; i++) {
      const p = logits[i] > 0 ? 1 : 0;
      inter += p * masks[i]; pred += p; truth += masks[i];
    }
    sum += pred + truth === 0 ? 1 : (2 * inter) / (pred + truth);
  }
  return sum / n;
}

const help = `usage: delineate demo [--epochs N] [--batch-size N] [--lr X] [--provider auto|cuda|webgpu|cpu]

Trains a 3-layer conv net to segment generated discs with Delineate's in-graph train step and
prints, per epoch, the mean training loss (1.5·Dice + BCE) and the validation Dice.`;

export async function demoCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { epochs: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' }, provider: { type: 'string' } }, help);
  const epochs = intOption(values.epochs, 'epochs', 15);
  const batch = intOption(values['batch-size'], 'batch-size', 8);
  const lr = numberOption(values.lr, 'lr', 1e-2);
  const rand = random(42);
  const [nTrain, nVal] = [64, 16];
  const train = discs(nTrain, rand);
  const val = discs(nVal, rand);

  const engine = new Engine({ provider: providerOption(values.provider) });
  try {
    const tg = new Graph();
    const image = tg.input('image', 'float32', [batch, 1, SIZE, SIZE]);
    const mask = tg.input('mask', 'float32', [batch, 1, SIZE, SIZE]);
    const step = buildTrainStep({ loss: diceBceLoss(net(tg, image, true), mask), optimizer: { weightDecay: 1e-3, maxGradNorm: 0.5 } });
    await engine.load('train', step.compiled);
    const eg = new Graph();
    await engine.load('eval', compile({ logits: net(eg, eg.input('image', 'float32', [nVal, 1, SIZE, SIZE]), false) }));

    const init: Record<string, HostTensor> = {};
    for (const [name, dims] of Object.entries(shapes)) {
      // Weight and bias uniform ±1/√fan_in, fan_in = input channels·kh·kw of the layer
      // (Conv weight [out, in, kh, kw]; ConvTranspose weight [in, out, kh, kw]).
      const w = shapes[name.replace(/bias$/, 'weight')];
      const fanIn = (name.startsWith('up') ? w[0] : w[1]) * w[2] * w[3];
      const bound = 1 / Math.sqrt(fanIn);
      init[name] = { dtype: 'float32', dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (rand() * 2 - 1) * bound) };
    }
    const state = new TrainState(step.optimizer, init);
    const runner = engine.runner('train');
    const params = (): Record<string, HostTensor> => Object.fromEntries(Object.keys(shapes).map((n) => [n, state.param(n)]));
    const steps = Math.floor(nTrain / batch);
    console.log(`training ${Object.keys(shapes).length} tensors on ${nTrain} generated images (${steps} steps/epoch, batch ${batch}, lr ${lr})`);
    const started = Date.now();
    for (let epoch = 1; epoch <= epochs; epoch++) {
      let loss = 0;
      for (let s = 0; s < steps; s++) {
        loss += (await state.apply(runner, { image: batchOf(train.images, s * batch, batch), mask: batchOf(train.masks, s * batch, batch) }, lr)).loss;
      }
      const out = await engine.run('eval', { image: batchOf(val.images, 0, nVal), ...params() });
      const d = dice(out.logits.data as Float32Array, val.masks, nVal);
      console.log(`epoch ${String(epoch).padStart(2)}  loss ${(loss / steps).toFixed(4)}  val Dice ${d.toFixed(3)}`);
    }
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s on ${engine.provider?.provider}`);
  } finally {
    await engine.close();
  }
}
