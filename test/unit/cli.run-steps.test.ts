/** runSteps: channels-first input reaches a 2-channel network as its channels-last input, per step, in process. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSteps, runStepsInBatches, toChannelsFirst, toChannelsLast } from '../../src/cli/run-steps.js';
import { reference } from '../../src/kernels/reference/index.js';
import { buildModel } from '../../src/models/index.js';
import { neuronLayers } from '../../src/nn/walk.js';
import { Rng } from '../../src/rng.js';

test('layout: [C, H, W] ↔ [H, W, C] element by element, and back', () => {
  const [H, W, C] = [2, 3, 4];
  const chw = Float32Array.from({ length: 2 * C * H * W }, (_, i) => i);
  const hwc = toChannelsLast(chw, 2, [H, W, C]);
  for (let r = 0; r < 2; r++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) assert.equal(hwc[r * 24 + (h * W + w) * C + c], chw[r * 24 + (c * H + h) * W + w]);
  assert.deepEqual(toChannelsFirst(hwc, 2, [H, W, C]), chw);
  assert.deepEqual(toChannelsLast(chw, 1, [48]), chw);
});

test('runSteps on a 2-channel convnet: output × spike height averaged over T is the forward’s IF logits', () => {
  const T = 3;
  const B = 2;
  const { net } = buildModel(reference, {
    model: 'mnistnet',
    input: [12, 12, 2],
    classes: 10,
    neuron: 'if',
    T,
    seed: 3,
  });
  const rng = new Rng(5);
  const hwc = Float32Array.from({ length: T * B * 12 * 12 * 2 }, () => 4 * rng.uniform());
  const chw = toChannelsFirst(hwc, T * B, [12, 12, 2]);
  const logits = Float32Array.from(
    net.forward(
      { shape: [T * B, 12, 12, 2], data: Float32Array.from(hwc) },
      { training: false, rng: new Rng(0), encoding: 'time-major' },
    ).data,
  );
  const r = runSteps(net, chw, B, ['spikes']);
  assert.deepEqual(r.output.shape, [T, B, 10]);
  const height = neuronLayers(net.body).at(-1)!.spikeMagnitude();
  for (let b = 0; b < B; b++)
    for (let j = 0; j < 10; j++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += r.output.data[(t * B + b) * 10 + j]!;
      assert.ok(Math.abs((s / T) * height - logits[b * 10 + j]!) < 1e-5);
    }
  assert.ok(
    r.traces[0]!.data.some((v) => v === 1),
    'the first layer spikes',
  );
  assert.deepEqual(r.traces[0]!.shape.slice(0, 3), [T, B, r.traces[0]!.shape[2]]);
  const split = runStepsInBatches(net, chw, B, ['spikes'], 1);
  assert.deepEqual(split.output, r.output);
  assert.deepEqual(split.traces, r.traces);
});
