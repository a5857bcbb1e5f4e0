/**
 * Whole-network DSR gradients against float64: a small conv net with batch-norm, a LIF and two IF neuron layers
 * and a linear classifier, built from the library's layers, trained one step in float32; every parameter's
 * gradient (weights, biases, BN γ and β, thresholds) is compared with central differences of an independent
 * float64 forward of the same network through the representation mappings (test/support/dsr64.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Builder } from '../../src/models/builder.js';
import { neuronSpec } from '../../src/models/neurons.js';
import type { BatchNorm } from '../../src/nn/batchnorm.js';
import type { Conv2d } from '../../src/nn/conv2d.js';
import type { Layer } from '../../src/nn/layer.js';
import type { Linear } from '../../src/nn/linear.js';
import { Network } from '../../src/nn/network.js';
import { Sequential } from '../../src/nn/sequential.js';
import { zeroGrad } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/rng.js';
import { DsrNeuron64, type Lif64, type Neuron64, rate64 } from '../support/dsr64.js';
import { assertClose, assertGrad, centralDiff, dot, f64, maxAbs, randn } from '../support/gradcheck.js';
import { testKernels } from '../support/kernels.under-test.js';
import { avgPool64, batchNorm64, type ConvDims, conv64, linear64 } from '../support/ref64.js';

const kernels = await testKernels();

const T = 4;
const B = 2;
const [H, W, C] = [6, 6, 2];
const CLASSES = 5;
const LIF: Lif64 = { kind: 'lif', alpha: 0.3, tau: 1, dt: 0.05 };
const IF: Neuron64 = { kind: 'if', alpha: 0.5 };
// thresholds low enough that every neuron layer has saturated elements, so each Vth gets a gradient
const LIF_VTH = 0.05;
const IF_VTH = 0.5;

/**
 * conv3×3 → BN → LIF → avgpool 2 → conv3×3 → BN → IF → flatten → linear → BN1d → IF → rate. `blocks`: each
 * conv/linear and its BN as one block, whose neuron applies the BN itself and whose backward hands the time-summed
 * input gradient through the pooling and the flatten (nn/summed-backward.ts); otherwise plain siblings.
 */
function libraryNetwork(blocks: boolean): Network {
  const rng = new Rng(21);
  const lif = new Builder(kernels, rng, neuronSpec('lif', { vth: LIF_VTH }));
  const fire = new Builder(kernels, rng, neuronSpec('if', { vth: IF_VTH }));
  const normed = (b: Builder, weight: Conv2d | Linear, bn: BatchNorm): Layer[] =>
    blocks ? [b.normed(weight, bn)] : [weight, bn];
  const body = new Sequential([
    ...normed(lif, lif.conv('c1', C, 3, 3), lif.bn('bn1', 3)),
    lif.neuron('sn1'),
    lif.pool(2),
    ...normed(fire, fire.conv('c2', 3, 4, 3), fire.bn('bn2', 4)),
    fire.neuron('sn2'),
    fire.flatten(),
    ...normed(fire, fire.linear('fc', 3 * 3 * 4, CLASSES), fire.bn('bn3', CLASSES)),
    fire.neuron('sn3'),
  ]);
  return new Network({ k: kernels, T, body, readout: fire.readout(), inputShape: [H, W, C], classes: CLASSES });
}

const conv3 = (h: number, w: number, c: number): ConvDims => ({
  n: T * B,
  h,
  w,
  c,
  kh: 3,
  kw: 3,
  sh: 1,
  sw: 1,
  ph: 1,
  pw: 1,
});

/** The same network in float64, parameters by name; neurons through their representation mappings. */
function referenceNetwork(x: Float32Array): (p: Map<string, Float64Array>) => Float64Array {
  const sn1 = new DsrNeuron64(LIF, T);
  const sn2 = new DsrNeuron64(IF, T);
  const sn3 = new DsrNeuron64(IF, T);
  const steps = new Float64Array(T * x.length);
  for (let t = 0; t < T; t++) steps.set(x, t * x.length); // direct encoding: the image at every step
  const bn = (h: Float64Array, channels: number, name: string): Float64Array =>
    batchNorm64(h, h.length / channels, channels, p(name, 'weight'), p(name, 'bias'), 1e-5).y;
  let params: Map<string, Float64Array> = new Map();
  const p = (layer: string, what: string): Float64Array => params.get(`${layer}.${what}`)!;
  return (given) => {
    params = given;
    let h = conv64(steps, p('c1', 'weight'), p('c1', 'bias'), conv3(H, W, C), 3);
    h = sn1.forward(bn(h, 3, 'bn1'), p('sn1', 'vth')[0]!);
    h = avgPool64(h, { n: T * B, h: H, w: W, c: 3, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 });
    h = conv64(h, p('c2', 'weight'), p('c2', 'bias'), conv3(3, 3, 3), 4);
    h = sn2.forward(bn(h, 4, 'bn2'), p('sn2', 'vth')[0]!);
    h = linear64(h, p('fc', 'weight'), p('fc', 'bias'), T * B, 36, CLASSES);
    h = sn3.forward(bn(h, CLASSES, 'bn3'), p('sn3', 'vth')[0]!);
    return rate64(IF, h, T);
  };
}

for (const blocks of [false, true])
  test(`a conv net with BN, LIF and IF${blocks ? ' in conv/linear + BN blocks' : ''}: every parameter gradient equals central differences of the float64 DSR mapping`, () => {
    const rng = new Rng(5);
    const x = randn(rng, B * H * W * C);
    const dLogits = randn(rng, B * CLASSES);
    const net = libraryNetwork(blocks);
    const params = net.params();
    zeroGrad(params, kernels);
    const logits = net.forward({ shape: [B, H, W, C], data: x }, { training: true, rng: new Rng(1) });
    const logits32 = kernels.toHost(logits.data).slice();
    net.backward({ shape: [B, CLASSES], data: dLogits });

    const p64 = new Map(params.map((q) => [q.name, f64(kernels.toHost(q.value))]));
    const forward64 = referenceNetwork(x);
    assertClose(logits32, forward64(p64), { rtol: 1e-4 }, 'logits (the same spikes in float32 and float64)');
    const loss = (): number => dot(dLogits, forward64(p64));
    const numeric = new Map([...p64].map(([name, v]) => [name, centralDiff(loss, v, 1e-6)]));
    const scale = Math.max(...[...numeric.values()].map(maxAbs));

    assert.deepEqual(
      params.map((q) => q.name),
      [
        'c1.weight',
        'c1.bias',
        'bn1.weight',
        'bn1.bias',
        'sn1.vth',
        'c2.weight',
        'c2.bias',
        'bn2.weight',
        'bn2.bias',
        'sn2.vth',
        'fc.weight',
        'fc.bias',
        'bn3.weight',
        'bn3.bias',
        'sn3.vth',
      ],
    );
    for (const q of params) {
      const want = numeric.get(q.name)!;
      // a bias in front of a batch-norm has no effect: its gradient is zero up to round-off
      if (!q.name.endsWith('.bias') || q.name.startsWith('bn'))
        assert.ok(maxAbs(want) > 1e-3 * scale, `${q.name}: a gradient to check`);
      // LIF thresholds: the code scales dL/dVth by Δt² (docs/method.md §2.3)
      const expected = q.name === 'sn1.vth' ? want.map((g) => g * LIF.dt * LIF.dt) : want;
      assertGrad(kernels.toHost(q.grad), expected, q.name, scale);
    }
  });

test('a LIF output layer (its gradient arrives weighted by λ^(T−t)): every parameter gradient against float64', () => {
  // Δt = 0.5 makes the weights far from uniform; the input is the image at every step, so the LIF rule is exact
  const lif: Lif64 = { ...LIF, dt: 0.5 };
  const batch = 6; // a BN over two samples would map every column to ±1, whatever the weights
  const rng = new Rng(6);
  const x = randn(rng, batch * H * W * C);
  const dLogits = randn(rng, batch * CLASSES);
  const b = new Builder(kernels, new Rng(22), neuronSpec('lif', { vth: 0.25, dt: lif.dt }));
  const body = new Sequential([b.flatten(), b.linear('fc', H * W * C, CLASSES), b.bn('bn', CLASSES), b.neuron('sn')]);
  const net = new Network({ k: kernels, T, body, readout: b.readout(), inputShape: [H, W, C], classes: CLASSES });
  const params = net.params();
  zeroGrad(params, kernels);
  const out = net.forward({ shape: [batch, H, W, C], data: x }, { training: true, rng: new Rng(1) });
  const logits = kernels.toHost(out.data).slice();
  net.backward({ shape: [batch, CLASSES], data: dLogits });

  const p = new Map(params.map((q) => [q.name, f64(kernels.toHost(q.value))]));
  const sn = new DsrNeuron64(lif, T);
  const steps = new Float64Array(T * x.length);
  for (let t = 0; t < T; t++) steps.set(x, t * x.length);
  const forward64 = (): Float64Array => {
    const h = linear64(steps, p.get('fc.weight')!, p.get('fc.bias')!, T * batch, H * W * C, CLASSES);
    const z = batchNorm64(h, T * batch, CLASSES, p.get('bn.weight')!, p.get('bn.bias')!, 1e-5).y;
    return rate64(lif, sn.forward(z, p.get('sn.vth')![0]!), T);
  };
  assertClose(logits, forward64(), { rtol: 1e-4 }, 'logits');
  const numeric = new Map([...p].map(([name, v]) => [name, centralDiff(() => dot(dLogits, forward64()), v, 1e-6)]));
  const scale = Math.max(...[...numeric.values()].map(maxAbs));
  assert.deepEqual(
    params.map((q) => q.name),
    ['fc.weight', 'fc.bias', 'bn.weight', 'bn.bias', 'sn.vth'],
  );
  for (const q of params) {
    const want = numeric.get(q.name)!;
    if (q.name !== 'fc.bias') assert.ok(maxAbs(want) > 1e-3 * scale, `${q.name}: a gradient to check`);
    assertGrad(
      kernels.toHost(q.grad),
      q.name === 'sn.vth' ? want.map((g) => g * lif.dt * lif.dt) : want,
      q.name,
      scale,
    );
  }
});
