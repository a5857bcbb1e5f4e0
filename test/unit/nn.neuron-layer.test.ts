/**
 * SpikingNeuron (dsr / bptt / ann) and RateReadout as layers: the threshold parameter and its clamp, what is
 * cached and when it is dropped, gradient accumulation, and agreement with the functional API and kernels.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpikerepError } from '../../src/errors.js';
import type { RunContext } from '../../src/nn/layer.js';
import { type NeuronMode, SpikingNeuron } from '../../src/nn/neuron-layer.js';
import { RateReadout } from '../../src/nn/readout.js';
import { Rng } from '../../src/rng.js';
import { checkTimeSteps, ifConfig, lifConfig, type NeuronConfig } from '../../src/snn/config.js';
import { leakWeights, surrogateBackwardAttrs, surrogateForwardAttrs } from '../../src/snn/description.js';
import { neuron } from '../../src/snn/functional.js';
import { neuronModel } from '../../src/snn/model.js';
import { type Tensor, tensor } from '../../src/tensor.js';
import { assertMatchesReference, testKernels } from '../support/kernels.under-test.js';

const k = await testKernels();

import { evalMode, trainMode } from '../../src/nn/run-mode.js';

const ctxOf = (T: number, batch: number, training: boolean): RunContext => ({
  k,
  T,
  batch,
  rng: new Rng(0),
  mode: training ? trainMode(T) : evalMode(T),
});

function randomTensor(shape: number[], seed: number, scale: number): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    shape,
    new Float32Array(n).map(() => scale * (0.5 + rng.normal())),
  );
}

const isArgError = (e: unknown): boolean =>
  e instanceof SpikerepError && e.code === 'E_ARG' && !e.message.includes('\n');
const layerOf = (config: NeuronConfig, mode: NeuronMode, name = 'layer1.0.relu1') =>
  new SpikingNeuron({ k }, { name, config, mode });

describe('SpikingNeuron: the threshold parameter', () => {
  it('is one scalar `<name>.vth` with role threshold, decayed, starting at the config value', () => {
    const layer = layerOf(lifConfig(), 'dsr');
    assert.equal(layer.params().length, 1);
    const [p] = layer.params();
    assert.equal(p!.name, 'layer1.0.relu1.vth');
    assert.equal(p!.role, 'threshold');
    assert.deepEqual(p!.shape, [1]);
    assert.equal(p!.decay, true);
    assert.equal(p!.value[0], Math.fround(0.3));
  });

  for (const mode of ['dsr', 'bptt'] as const) {
    it(`${mode}: is clamped to the bound before every forward, in eval and in training`, () => {
      const layer = layerOf(ifConfig(), mode);
      const x = tensor([2, 1], Float32Array.from([1, 1])); // T = 2, one neuron: u = 1 ≥ α·0.01 fires
      layer.vth.value[0] = -0.5;
      const y = layer.forward(x, ctxOf(2, 1, false));
      assert.equal(layer.vth.value[0], Math.fround(0.01));
      assert.deepEqual(
        [...k.toHost(y.data)],
        [Math.fround(0.01), Math.fround(0.01)],
        'spikes of the clamped magnitude',
      );
      layer.vth.value[0] = 0.005;
      layer.forward(x, ctxOf(2, 1, true));
      assert.equal(layer.vth.value[0], Math.fround(0.01));
      layer.vth.value[0] = 0.3;
      layer.forward(x, ctxOf(2, 1, true));
      assert.equal(layer.vth.value[0], Math.fround(0.3), 'values above the bound are untouched');
    });
  }

  it('LIF uses its own bound 0.0005', () => {
    const layer = layerOf(lifConfig(), 'dsr');
    layer.vth.value[0] = 0.0001;
    layer.forward(tensor([1, 1], Float32Array.from([0])), ctxOf(1, 1, false));
    assert.equal(layer.vth.value[0], Math.fround(0.0005));
  });
});

describe('SpikingNeuron dsr: agrees with the functional API; cache lifecycle', () => {
  for (const config of [ifConfig(), lifConfig()]) {
    it(`${config.kind}: spikes, dx and dVth on [T·B, H, W, C]; cache is the input current, dropped by backward`, () => {
      const T = 5;
      const shape = [T * 2, 2, 2, 3];
      const n = 2 * 2 * 2 * 3;
      const x = randomTensor(shape, 1, 6);
      const dy = randomTensor(shape, 2, 1);
      const layer = layerOf(config, 'dsr');
      const ctx = ctxOf(T, 2, true);
      const y = layer.forward(x, ctx);
      assert.deepEqual(y.shape, shape);
      assert.equal(layer.cachedFloats(), T * n);
      const fwd = config.kind === 'if' ? neuron.ifForward(x.data, T, config) : neuron.lifForward(x.data, T, config);
      assert.deepEqual([...k.toHost(y.data)], [...fwd.spikes]);
      const dx = layer.backward(dy, ctx);
      assert.deepEqual(dx.shape, shape);
      assert.equal(layer.cachedFloats(), 0, 'cache dropped after backward');
      const bwd =
        config.kind === 'if'
          ? neuron.ifBackward(x.data, dy.data, T, config)
          : neuron.lifBackward(x.data, dy.data, T, config);
      assertMatchesReference(k.toHost(dx.data), bwd.gradInput, 'dx');
      assertMatchesReference(layer.vth.grad, [Math.fround(bwd.gradVth)], 'dVth');
      assert.throws(() => layer.backward(dy, ctx), isArgError, 'a second backward has nothing cached');
    });
  }

  it('eval keeps nothing; releaseCache drops a training cache', () => {
    const layer = layerOf(ifConfig(), 'dsr');
    const x = randomTensor([4, 3], 3, 6);
    layer.forward(x, ctxOf(2, 2, false));
    assert.equal(layer.cachedFloats(), 0);
    layer.forward(x, ctxOf(2, 2, true));
    assert.equal(layer.cachedFloats(), 12);
    layer.releaseCache();
    assert.equal(layer.cachedFloats(), 0);
  });

  it('the threshold gradient accumulates over backward passes, scaled by vthGradScale', () => {
    const T = 4;
    const x = randomTensor([T * 3, 5], 4, 9); // many saturated neurons
    const dy = randomTensor([T * 3, 5], 5, 1);
    const once = neuron.ifBackward(x.data, dy.data, T, { vth: 6 }).gradVth;
    assert.notEqual(once, 0);
    const layer = layerOf(ifConfig({ vthGradScale: 0.001 }), 'dsr');
    for (let pass = 0; pass < 2; pass++) {
      layer.forward(x, ctxOf(T, 3, true));
      layer.backward(dy, ctxOf(T, 3, true));
    }
    assert.ok(Math.abs(layer.vth.grad[0]! - 2 * 0.001 * once) <= 1e-6 * Math.abs(once));
  });
});

describe('SpikingNeuron bptt', () => {
  for (const config of [ifConfig(), lifConfig()]) {
    it(`${config.kind}: same spikes as dsr; caches the membrane; backward is the kernel's BPTT`, () => {
      const T = 6;
      const x = randomTensor([T * 2, 7], 6, 6);
      const dy = randomTensor([T * 2, 7], 7, 1);
      const ctx = ctxOf(T, 2, true);
      const bptt = layerOf(config, 'bptt');
      const y = bptt.forward(x, ctx);
      assert.deepEqual([...k.toHost(y.data)], [...k.toHost(layerOf(config, 'dsr').forward(x, ctx).data)]);
      assert.equal(bptt.cachedFloats(), T * 14);
      const dx = bptt.backward(dy, ctx);
      assert.equal(bptt.cachedFloats(), 0);
      const model = neuronModel(config);
      const membrane = new Float32Array(T * 14);
      const want = new Float32Array(T * 14);
      k.neuronForward(x.data, new Float32Array(T * 14), surrogateForwardAttrs(model, T, 14, membrane, 4));
      const gV = k.neuronBackward(dy.data, want, surrogateBackwardAttrs(model, T, 14, membrane, 4));
      // `want` comes from the reference kernels (its buffers are host arrays); dx from the backend under test
      assertMatchesReference(k.toHost(dx.data), want, 'dx');
      assertMatchesReference([bptt.vth.grad[0]!], [Math.fround(gV)], 'dVth');
      bptt.forward(x, ctxOf(T, 2, false));
      assert.equal(bptt.cachedFloats(), 0, 'eval keeps no membrane');
    });
  }
});

describe('SpikingNeuron spike counting (for evaluation metrics)', () => {
  it('counts spikes and neuron·steps between startCounting and stopCounting', () => {
    const T = 20;
    const layer = layerOf(lifConfig(), 'dsr');
    const x = tensor(
      [T, 2],
      new Float32Array(2 * T).map((_, j) => (j % 2 === 0 ? 1 : 3)),
    ); // 4 and 10 spikes
    layer.forward(x, ctxOf(T, 1, false));
    assert.deepEqual(layer.counted, { spikes: 0, neuronSteps: 0 }, 'off until started');
    layer.startCounting();
    layer.forward(x, ctxOf(T, 1, false));
    layer.forward(x, ctxOf(T, 1, false));
    layer.stopCounting();
    layer.forward(x, ctxOf(T, 1, false));
    assert.deepEqual(layer.counted, { spikes: 28, neuronSteps: 80 });
    const ann = layerOf(ifConfig(), 'ann');
    ann.startCounting();
    ann.forward(tensor([1, 2], Float32Array.from([3, 9])), ctxOf(1, 1, false));
    assert.deepEqual(ann.counted, { spikes: 1.5, neuronSteps: 2 }, 'ANN: Σ y/Vth');
  });
});

describe('SpikingNeuron ann', () => {
  it('needs T = 1', () => {
    const layer = layerOf(ifConfig(), 'ann');
    assert.throws(() => layer.forward(randomTensor([4, 2], 8, 1), ctxOf(2, 2, false)), isArgError);
    assert.deepEqual(
      k.toHost(layer.forward(tensor([1, 2], Float32Array.from([-1, 7])), ctxOf(1, 1, false)).data),
      Float32Array.from([0, 6]),
    );
  });
});

describe('configuration errors are one-line E_ARG', () => {
  it('α, vth, τ, Δt, bounds, T and surrogate slope', () => {
    assert.throws(() => ifConfig({ alpha: 0 }), isArgError);
    assert.throws(() => ifConfig({ alpha: 1.5 }), /alpha must be in \(0, 1\], got 1.5/);
    assert.throws(() => ifConfig({ vth: 0 }), /vth must be > 0/);
    assert.throws(() => lifConfig({ tau: -1 }), /tau must be > 0/);
    assert.throws(() => lifConfig({ dt: 0 }), /dt must be > 0/);
    assert.throws(() => lifConfig({ vthBound: 0 }), /vthBound must be > 0/);
    assert.throws(() => checkTimeSteps(0), /T must be an integer ≥ 1, got 0/);
    assert.throws(() => neuron.ifForward(new Float32Array(5), 2, { vth: 1, alpha: 0.5 }), isArgError);
    assert.throws(
      () => neuron.lifBackward(new Float32Array(4), new Float32Array(2), 2, { vth: 1, tau: 1, dt: 0.1 }),
      isArgError,
    );
    assert.throws(
      () => new SpikingNeuron({ k }, { name: 'n', config: ifConfig(), mode: 'bptt', surrogateSlope: 0 }),
      isArgError,
    );
    assert.throws(
      () => new SpikingNeuron({ k }, { name: 'n', config: { ...ifConfig(), alpha: 2 }, mode: 'dsr' }),
      isArgError,
    );
  });
});

describe('RateReadout', () => {
  it('IF: plain mean over T; backward hands each step dy/T', () => {
    const T = 4;
    const readout = new RateReadout({ config: ifConfig() });
    const spikes = tensor(
      [T * 2, 3],
      new Float32Array(T * 6).map((_, j) => (j % 5 === 0 ? 6 : 0)),
    );
    const ctx = ctxOf(T, 2, true);
    const logits = readout.forward(spikes, ctx);
    k.toHost(logits.data);
    assert.deepEqual(logits.shape, [2, 3]);
    for (let i = 0; i < 6; i++) {
      let sum = 0;
      for (let t = 0; t < T; t++) sum += spikes.data[t * 6 + i]!;
      assert.equal(logits.data[i], sum / T);
    }
    const dx = readout.backward(tensor([2, 3], Float32Array.from([4, 8, -4, 0, 2, 1])), ctx);
    assert.deepEqual(dx.shape, [T * 2, 3]);
    k.toHost(dx.data);
    for (let t = 0; t < T; t++) assert.deepEqual([...dx.data.subarray(t * 6, t * 6 + 6)], [1, 2, -1, 0, 0.5, 0.25]);
    assert.equal(readout.cachedFloats(), 0);
    assert.deepEqual(readout.params(), []);
  });

  it('LIF: weighted mean with λ^(T−t)/Σw; backward hands step t the weight w_t/Σw', () => {
    const T = 20;
    const readout = new RateReadout({ config: lifConfig() });
    const spikes = randomTensor([T, 2], 9, 3);
    const ctx = ctxOf(T, 1, true);
    const w = leakWeights(T, 1, 0.05);
    const sumW = w.reduce((a, b) => a + b, 0);
    const logits = readout.forward(spikes, ctx);
    k.toHost(logits.data);
    for (let i = 0; i < 2; i++) {
      let want = 0;
      for (let t = 0; t < T; t++) want += (w[t]! / sumW) * spikes.data[t * 2 + i]!;
      assert.ok(Math.abs(logits.data[i]! - want) <= 1e-6 * (1 + Math.abs(want)));
    }
    const dx = readout.backward(tensor([1, 2], Float32Array.from([1, -2])), ctx);
    k.toHost(dx.data);
    for (let t = 0; t < T; t++) {
      assert.equal(dx.data[2 * t], Math.fround(w[t]! / sumW));
      assert.equal(dx.data[2 * t + 1], Math.fround((-2 * w[t]!) / sumW));
    }
  });

  it('ANN (T = 1): the identity', () => {
    const readout = new RateReadout({ config: ifConfig() });
    const x = tensor([2, 3], Float32Array.from([1, -2, 3.5, 0, 6, 0.25]));
    const ctx = ctxOf(1, 2, true);
    assert.deepEqual([...k.toHost(readout.forward(x, ctx).data)], [...x.data]);
    assert.deepEqual([...k.toHost(readout.backward(x, ctx).data)], [...x.data]);
  });
});
