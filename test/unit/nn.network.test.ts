/**
 * Network-level equivalences: running the time-invariant first layers once per sample (direct encoding) equals
 * the reference code's T-fold computation — logits, every parameter gradient and BN running statistics.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Builder } from '../../src/models/builder.js';
import { type NeuronChoice, neuronSpec } from '../../src/models/neurons.js';
import { buffersOf } from '../../src/nn/buffers.js';
import { crossEntropy } from '../../src/nn/loss.js';
import { Network } from '../../src/nn/network.js';
import { Sequential } from '../../src/nn/sequential.js';
import { zeroGrad } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/rng.js';
import { testKernels } from '../support/kernels.under-test.js';

const kernels = await testKernels();

function net(choice: NeuronChoice, firstLayersOnce: boolean): Network {
  const spec = neuronSpec(choice, { vth: choice === 'if' ? 1 : 0.05 });
  const b = new Builder(kernels, new Rng(9), spec);
  const body = new Sequential([
    b.conv('c1', 2, 4, 3),
    b.bn('bn1', 4),
    b.neuron('sn1'),
    b.pool(2),
    b.conv('c2', 4, 6, 3, { stride: 2 }),
    b.bn('bn2', 6),
    b.neuron('sn2'),
    b.flatten(),
    b.linear('fc', 24, 5),
    b.bn('bn3', 5),
    b.neuron('sn3'),
  ]);
  return new Network({
    k: kernels,
    T: 5,
    body,
    readout: b.readout(),
    inputShape: [8, 8, 2],
    classes: 5,
    firstLayersOnce,
  });
}

/** a and b are the backend's buffers (or host copies): brought to the host first. */
function close(a: Float32Array, b: Float32Array, what: string): void {
  kernels.toHost(a);
  kernels.toHost(b);
  assert.equal(a.length, b.length, what);
  let scale = 1e-6;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  // 1e-6 absolute: a conv bias right before BN has a gradient that is zero up to rounding
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i]! - b[i]!) <= 2e-5 * scale + 1e-6, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

for (const choice of ['if', 'lif', 'bptt'] as const) {
  test(`first layers once == T-fold reference computation (${choice}): logits, gradients, BN running stats`, () => {
    const rng = new Rng(4);
    const x = new Float32Array(3 * 8 * 8 * 2).map(() => rng.normal());
    const labels = Int32Array.from([0, 3, 4]);
    const results = [true, false].map((once) => {
      const n = net(choice, once);
      const params = n.params();
      zeroGrad(params, kernels);
      const logits = n.forward({ shape: [3, 8, 8, 2], data: x }, { training: true, rng: new Rng(1) });
      const saved = kernels.toHost(logits.data).slice();
      const { grad } = crossEntropy(logits, labels, kernels);
      n.backward(grad);
      return { logits: saved, params, buffers: buffersOf([n.body]) };
    });
    const [fast, ref] = results;
    close(fast!.logits, ref!.logits, 'logits');
    fast!.params.forEach((p, i) => close(p.grad, ref!.params[i]!.grad, `grad ${p.name}`));
    fast!.buffers.forEach((bf, i) => close(bf.value, ref!.buffers[i]!.value, bf.name));
    assert.ok(
      fast!.params.some((p) => p.name === 'c1.weight' && kernels.toHost(p.grad).some((v) => v !== 0)),
      'first conv gets gradient',
    );
  });
}
