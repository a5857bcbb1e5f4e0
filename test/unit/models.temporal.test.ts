/**
 * The models over series (mlp, srnn): their shapes, that every step's own row reaches the network (the once-per-
 * sample shortcut of still images switches off by itself for time-major input), the DSR refusal on the recurrent
 * layer, the analog baselines over all T steps, the readout's two kinds and the fitting of series to T.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildModel } from '../../src/models/index.js';
import { RateReadout } from '../../src/nn/readout.js';
import { evalMode, trainMode } from '../../src/nn/run-mode.js';
import { Rng } from '../../src/rng.js';
import { lifConfig } from '../../src/snn/config.js';
import { collectMetrics } from '../../src/train/metrics.js';
import { seriesFrames } from '../../src/train/series-frames.js';
import { randn } from '../support/gradcheck.js';
import { testKernels } from '../support/kernels.under-test.js';

const k = await testKernels();
const [T, B, C, CLASSES] = [6, 3, 5, 4];

function timeMajor(data: Float32Array): { shape: number[]; data: Float32Array } {
  const buf = k.alloc(data.length);
  buf.set(data);
  k.fromHost(buf);
  return { shape: [T * B, C], data: buf };
}

function logits(model: 'mlp' | 'srnn', neuron: 'lif' | 'bptt' | 'relu', x: Float32Array, firstLayersOnce = true) {
  const { net } = buildModel(k, { model, input: [1, 1, C], classes: CLASSES, neuron, T, seed: 3, firstLayersOnce });
  const y = net.forward(timeMajor(x), { training: false, rng: new Rng(1), encoding: 'time-major' });
  assert.deepEqual(y.shape, [B, CLASSES]);
  return { net, out: Array.from(k.toHost(y.data)) };
}

/** The same samples with the order of their steps reversed. */
function reversed(x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  for (let t = 0; t < T; t++) y.set(x.subarray(t * B * C, (t + 1) * B * C), (T - 1 - t) * B * C);
  return y;
}

test('mlp and srnn: parameter counts, and logits that depend on the order of the steps', () => {
  const x = randn(new Rng(7), T * B * C, 3);
  for (const [model, neuron, params] of [
    // fc1 (5·128 + 128) + bn1 (2·128) + fc2 (128·128 + 128) + bn2 + fc3 (128·4 + 4) + bn3 (2·4) + 3 thresholds
    ['mlp', 'lif', 768 + 256 + 16_512 + 256 + 516 + 8 + 3],
    // fc1 + bn1 + recurrent 128·128 + its threshold + fc2 (128·4 + 4) + bn2 + the readout neuron's threshold
    ['srnn', 'bptt', 768 + 256 + 16_384 + 1 + 516 + 8 + 1],
    ['srnn', 'relu', 768 + 256 + 16_384 + 516 + 8],
  ] as const) {
    const a = logits(model, neuron, x);
    assert.equal(
      a.net.params().reduce((s, p) => s + p.value.length, 0),
      params,
      `${model} ${neuron}`,
    );
    assert.equal(a.net.T, T, 'the analog baseline runs all T steps over series');
    // every step sees its own row: reversing time changes the answer, and no shortcut ran the first layers once
    assert.notDeepEqual(logits(model, neuron, reversed(x)).out, a.out, `${model} ${neuron}: time order ignored`);
    assert.deepEqual(logits(model, neuron, x, false).out, a.out, `${model} ${neuron}: firstLayersOnce changed it`);
  }
});

test('srnn refuses DSR neurons in one line naming the neuron setting', () => {
  for (const neuron of ['if', 'lif', 'cubalif'] as const) {
    assert.throws(
      () => buildModel(k, { model: 'srnn', input: [1, 1, C], classes: CLASSES, neuron, T }),
      (e: Error & { setting?: string }) => /cannot train by DSR/.test(e.message) && !e.message.includes('\n'),
    );
  }
});

test('a training step of each series model gives every parameter a gradient', () => {
  const x = randn(new Rng(8), T * B * C, 3);
  for (const [model, neuron] of [
    ['mlp', 'lif'],
    ['srnn', 'bptt'],
    ['srnn', 'relu'],
  ] as const) {
    const { net } = buildModel(k, { model, input: [1, 1, C], classes: CLASSES, neuron, T, seed: 5 });
    const y = net.forward(timeMajor(x), { training: true, rng: new Rng(1), encoding: 'time-major' });
    const dy = net.lossGrad(y.data.length);
    dy.set(randn(new Rng(9), y.data.length));
    k.fromHost(dy);
    net.backward({ shape: y.shape, data: dy });
    const recurrent = net.params().find((p) => p.name === 'rnn.recurrent.weight');
    assert.equal(recurrent !== undefined, model === 'srnn');
    for (const p of net.params().filter((p) => p.role === 'weight')) {
      const g = k.toHost(p.grad);
      assert.ok(
        g.some((v) => v !== 0),
        `${model} ${neuron}: ${p.name} has no gradient`,
      );
    }
  }
});

test('readout: rate is the weighted rate over T, last is the last step alone (forward and backward)', () => {
  const n = 4;
  const x = k.alloc(T * n);
  x.set(randn(new Rng(2), T * n));
  k.fromHost(x);
  const config = lifConfig();
  const last = new RateReadout({ config, kind: 'last' });
  const rate = new RateReadout({ config });
  const ctx = { k, T, batch: 1, rng: new Rng(1), mode: evalMode(T) };
  const lastOut = Array.from(k.toHost(last.forward({ shape: [T, n], data: x }, ctx).data));
  assert.deepEqual(lastOut, Array.from(x.subarray((T - 1) * n)));
  const rateOut = k.toHost(rate.forward({ shape: [T, n], data: x }, ctx).data);
  const lambda = Math.exp(-config.dt / config.tau);
  let norm = 0;
  for (let t = 0; t < T; t++) norm += lambda ** (T - 1 - t);
  for (let i = 0; i < n; i++) {
    let want = 0;
    for (let t = 0; t < T; t++) want += (lambda ** (T - 1 - t) * x[t * n + i]!) / norm;
    assert.ok(Math.abs(rateOut[i]! - want) < 1e-5, `rate ${i}: ${rateOut[i]} vs ${want}`);
  }
  const train = { ...ctx, mode: trainMode(T) };
  last.forward({ shape: [T, n], data: x }, train);
  const dy = k.alloc(n);
  dy.set([1, 2, 3, 4]);
  k.fromHost(dy);
  const dx = Array.from(k.toHost(last.backward({ shape: [1, n], data: dy }, train).data));
  assert.deepEqual(dx, [...new Array((T - 1) * n).fill(0), 1, 2, 3, 4]);
});

test('series fitted to T: as is, averaged over bins, or held', () => {
  // one sample, 6 rows of one channel: 0 … 5
  const x = Float32Array.from([0, 1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(seriesFrames(x, [1, 6, 1], 6)), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(seriesFrames(x, [1, 6, 1], 3)), [0.5, 2.5, 4.5]);
  assert.deepEqual(Array.from(seriesFrames(x, [1, 6, 1], 4)), [0, 1.5, 3, 4.5]); // bins of 1, 2, 1, 2 rows
  assert.deepEqual(Array.from(seriesFrames(x, [1, 6, 1], 12)), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  // two samples of 2 rows × 2 channels, time-major out: step t of sample b at row t·B + b
  const two = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(Array.from(seriesFrames(two, [2, 2, 2], 2)), [1, 2, 5, 6, 3, 4, 7, 8]);
});

test('metrics over series: the ANN of the same shape and the analog first layer work all T steps', () => {
  const x = randn(new Rng(4), T * B * C, 3);
  for (const model of ['mlp', 'srnn'] as const) {
    const { net } = buildModel(k, { model, input: [1, 1, C], classes: CLASSES, neuron: 'bptt', T, seed: 3 });
    const probe = collectMetrics.begin(net);
    net.forward(timeMajor(x), { training: false, rng: new Rng(1), encoding: 'time-major' });
    const m = probe.finish(B, C);
    // per step: C·128 + 128·128 (mlp's fc2, or srnn's recurrent weight) + 128·classes multiply-accumulates
    assert.equal(m.annMacs, T * (C * 128 + 128 * 128 + 128 * CLASSES), model);
    assert.equal(m.analogMacs, T * C * 128, `${model}: the first layer reads analog values at every step`);
    assert.ok(m.synOps > 0, `${model}: spikes reach the later layers`);
  }
});
