/**
 * A neuron layer given its input once (the time-invariant first layers of direct encoding) gives the spikes, the
 * threshold gradient and, summed over the steps, the input gradient (exact and representation modes) of the same
 * layer given the input repeated T times.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunContext } from '../../src/nn/layer.js';
import { SpikingNeuron } from '../../src/nn/neuron-layer.js';
import { evalMode, trainMode } from '../../src/nn/run-mode.js';
import { Rng } from '../../src/rng.js';
import { ifConfig, lifConfig } from '../../src/snn/config.js';
import { type Tensor, tensor } from '../../src/tensor.js';
import { testKernels } from '../support/kernels.under-test.js';

const k = await testKernels();

function input(shape: number[], seed: number): Tensor {
  const rng = new Rng(seed);
  const data = k.alloc(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = 3 * (0.3 + rng.normal());
  k.fromHost(data);
  return tensor(shape, data);
}

function repeated(x: Tensor, T: number): Tensor {
  const host = k.toHost(x.data);
  const data = k.alloc(host.length * T);
  for (let t = 0; t < T; t++) data.set(host, t * host.length);
  k.fromHost(data);
  return tensor([x.shape[0]! * T, ...x.shape.slice(1)], data);
}

describe('SpikingNeuron.forwardRepeated', () => {
  for (const [kind, config] of [
    ['IF', ifConfig({ vth: 1 })],
    ['LIF', lifConfig({ vth: 0.3 })],
  ] as const) {
    for (const training of [null, 'exact', 'representation'] as const) {
      it(`${kind}, ${training === null ? 'eval' : `${training}-mode training`}: the forward (and backward) of the repeated input`, () => {
        const T = 4;
        const x = input([3, 5, 5, 4], 1);
        const ctx: RunContext = {
          k,
          T,
          batch: 3,
          rng: new Rng(0),
          mode: training === null ? evalMode(T) : trainMode(T, training),
        };
        const once = new SpikingNeuron({ k }, { name: 'once', config, mode: 'dsr' });
        const full = new SpikingNeuron({ k }, { name: 'full', config, mode: 'dsr' });
        const y1 = once.forwardRepeated(x, ctx);
        const y2 = full.forward(repeated(x, T), ctx);
        assert.deepEqual(y1.shape, y2.shape);
        const s1 = [...k.toHost(y1.data)];
        assert.deepEqual(s1, [...k.toHost(y2.data)]);
        assert.ok(s1.some((v) => v !== 0) && s1.some((v) => v === 0), 'some neurons fire, some do not');
        if (training === null) return;
        // the time-summed gradient of representation mode, or one per step
        const g = input(training === 'exact' ? [3 * T, 5, 5, 4] : [3, 5, 5, 4], 2);
        const dx1 = once.backward(g, ctx);
        const dx2 = full.backward(g, ctx);
        // the gradient of the once-given input: the copies' gradients summed over the steps
        assert.deepEqual(dx1.shape, x.shape);
        const perStep = k.toHost(dx2.data);
        const summed = new Float32Array(x.data.length);
        const steps = perStep.length / summed.length; // T in exact mode, 1 where gradients are already time-summed
        for (let t = 0; t < steps; t++)
          for (let i = 0; i < summed.length; i++) summed[i]! += perStep[t * summed.length + i]!;
        const got = k.toHost(dx1.data);
        for (let i = 0; i < summed.length; i++)
          assert.ok(
            Math.abs(got[i]! - summed[i]!) <= 1e-6 * Math.max(1, Math.abs(summed[i]!)),
            `dx[${i}]: ${got[i]} vs ${summed[i]}`,
          );
        assert.ok(
          got.some((v) => v !== 0),
          'gradients flow',
        );
        const [v1, v2] = [once.vth.grad[0]!, full.vth.grad[0]!];
        assert.ok(Math.abs(v1 - v2) <= 1e-6 * Math.max(1, Math.abs(v2)), `threshold gradient ${v1} vs ${v2}`);
        assert.notEqual(v2, 0, 'some neurons saturate');
      });
    }
  }
});
