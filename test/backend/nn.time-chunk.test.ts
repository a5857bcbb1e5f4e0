/**
 * The time-chunked forward (nn/time-chunk.ts) against the one-pass forward it replaces: the same logits, the
 * same representation-mode gradients and batch-norm statistics (up to float32 summation order), with spikes kept
 * as bits between layers; refused, with one line, where it cannot be exact.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSpikerepError } from '../../src/errors.js';
import { createKernels, disposeKernels } from '../../src/kernels/backend.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { reference } from '../../src/kernels/reference/index.js';
import { Builder } from '../../src/models/builder.js';
import { buildModel } from '../../src/models/index.js';
import { type NeuronChoice, neuronSpec } from '../../src/models/neurons.js';
import type { BatchNorm } from '../../src/nn/batchnorm.js';
import type { GradMode } from '../../src/nn/grad-mode.js';
import { crossEntropy } from '../../src/nn/loss.js';
import { type Encoding, Network } from '../../src/nn/network.js';
import { Sequential } from '../../src/nn/sequential.js';
import { layersOf } from '../../src/nn/walk.js';
import { zeroGrad } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/rng.js';

const SHAPE = [8, 8, 2] as const;
const B = 3;

function makeNet(
  k: Kernels,
  choice: NeuronChoice,
  T: number,
  timeChunk: number | undefined,
  dropout = 0,
  gradMode: GradMode = 'representation',
): Network {
  const spec = neuronSpec(choice, { vth: choice === 'if' ? 0.5 : 0.025 });
  const b = new Builder(k, new Rng(9), spec);
  const body = new Sequential([
    b.normed(b.conv('c1', 2, 4, 3), b.bn('bn1', 4)),
    b.neuron('sn1'),
    b.pool(2),
    b.normed(b.conv('c2', 4, 6, 3, { stride: 2 }), b.bn('bn2', 6)),
    b.neuron('sn2'),
    b.dropout(dropout),
    b.flatten(),
    b.normed(b.linear('fc', 24, 5), b.bn('bn3', 5)),
    b.neuron('sn3'),
  ]);
  return new Network({ k, T, body, readout: b.readout(), inputShape: SHAPE, classes: 5, gradMode, timeChunk });
}

function input(T: number, encoding: Encoding): { shape: number[]; data: Float32Array } {
  const rng = new Rng(4);
  const rows = encoding === 'direct' ? B : T * B;
  // time-major input as binary spikes (a rate-encoded image), direct input as analog pixels
  const data = new Float32Array(rows * 8 * 8 * 2).map(() =>
    encoding === 'direct' ? rng.normal() : rng.uniform() < 0.3 ? 1 : 0,
  );
  return { shape: [rows, ...SHAPE], data };
}

function step(net: Network, encoding: Encoding, T: number) {
  const params = net.params();
  zeroGrad(params, net.k);
  const logits = net.forward(input(T, encoding), { training: true, rng: new Rng(1), encoding });
  const out = logits.data.slice();
  const cached = net.cachedFloats();
  const { grad } = crossEntropy(logits, Int32Array.from([0, 3, 4]), net.k);
  net.backward(grad);
  const bn = batchNorms(net);
  const evalLogits = net.forward(input(T, encoding), { training: false, rng: new Rng(1), encoding }).data.slice();
  return {
    logits: out,
    evalLogits,
    cached,
    grads: new Map(params.map((p) => [p.name, p.grad.slice()])),
    running: bn.flatMap((l) => [...l.runningMean, ...l.runningVar]),
  };
}

function batchNorms(net: Network): BatchNorm[] {
  return layersOf(net.body).filter((l): l is BatchNorm => l.kind === 'batchnorm');
}

function assertNear(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string, floor = 1e-3): void {
  assert.equal(a.length, b.length, what);
  let scale = floor;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i]! - b[i]!) <= tol * scale, `${what}[${i}]: ${a[i]} vs ${b[i]} (scale ${scale})`);
  }
}

/** Every conv and linear of makeNet feeds a batch-norm. */
const WEIGHT_LAYERS = ['c1', 'c2', 'fc'];

/**
 * Compares two parameter-gradient maps. A conv or linear bias in front of a batch-norm has gradient 0 up to the
 * round-off of a sum over every row, so it is compared at the scale of its layer's weight gradient, not its own.
 */
function assertGradsNear(got: Map<string, Float32Array>, want: Map<string, Float32Array>, tol: number, what: string) {
  for (const [name, g] of want) {
    const layer = name.replace(/\.bias$/, '');
    const weight = name.endsWith('.bias') && WEIGHT_LAYERS.includes(layer) ? want.get(`${layer}.weight`) : undefined;
    const floor = weight === undefined ? 1e-3 : Math.max(1e-3, ...Array.from(weight, Math.abs));
    assertNear(got.get(name)!, g, tol, `${what} d/d${name}`, floor);
  }
}

for (const choice of ['if', 'lif', 'cubalif'] as const) {
  for (const encoding of ['direct', 'time-major'] as const) {
    test(`time chunks of 1, 2 and 3 steps give the one-pass forward and gradients (${choice}, ${encoding} input, T = 5)`, () => {
      const T = 5;
      const whole = step(makeNet(reference, choice, T, undefined), encoding, T);
      for (const K of [1, 2, 3]) {
        const chunked = step(makeNet(reference, choice, T, K), encoding, T);
        assertNear(chunked.logits, whole.logits, 1e-5, `K=${K} logits`);
        assertNear(chunked.evalLogits, whole.evalLogits, 1e-5, `K=${K} eval logits`);
        assertNear(chunked.running, whole.running, 1e-5, `K=${K} BN running statistics`);
        assert.equal(chunked.cached, whole.cached, 'the backward keeps the same B-row time-means');
        assertGradsNear(chunked.grads, whole.grads, 1e-4, `K=${K}`);
      }
    });
  }
}

test("IF: chunked representation-mode training gives the exact backward's gradients (batch-norm correction across chunks)", () => {
  const T = 5;
  for (const encoding of ['direct', 'time-major'] as const) {
    const exact = step(makeNet(reference, 'if', T, undefined, 0, 'exact'), encoding, T);
    const chunked = step(makeNet(reference, 'if', T, 2), encoding, T);
    assertGradsNear(chunked.grads, exact.grads, 1e-4, encoding);
  }
});

test('the chunked forward on the wasm backend equals the reference', async () => {
  const k = await createKernels('wasm', { threads: 1 });
  try {
    const T = 4;
    const want = step(makeNet(reference, 'if', T, 3), 'direct', T);
    const got = step(makeNet(k, 'if', T, 3), 'direct', T);
    assertNear(got.logits, want.logits, 1e-5, 'logits');
    assertGradsNear(got.grads, want.grads, 1e-4, 'wasm');
  } finally {
    await disposeKernels(k);
  }
});

test('a wrong chunk (statistics of one chunk instead of all steps) is caught by the comparison', () => {
  const T = 4;
  const whole = step(makeNet(reference, 'if', T, undefined), 'direct', T);
  const net = makeNet(reference, 'if', T, 2);
  const bn = batchNorms(net).find((l) => l.opts.name === 'bn2')!;
  const real = bn.setBatchStatistics.bind(bn);
  // sabotage: pretend the variance were twice what the chunks measured
  bn.setBatchStatistics = (mean, variance, count, ctx) =>
    real(
      mean,
      Array.from(variance, (v) => 2 * v),
      count,
      ctx,
    );
  const broken = step(net, 'direct', T);
  assert.throws(() => assertNear(broken.logits, whole.logits, 1e-5, 'logits'));
});

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(isSpikerepError(e), String(e));
    return (e as Error).message;
  }
  assert.fail('expected an error');
}

test('refused with one line: exact-mode training, dropout, BPTT training, non-sequential models', () => {
  const spec = neuronSpec('if', {});
  const b = new Builder(reference, new Rng(1), spec);
  const netExact = new Network({
    k: reference,
    T: 4,
    body: new Sequential([b.conv('c', 2, 3, 3), b.neuron('n')]),
    readout: b.readout(),
    classes: 3,
    timeChunk: 2,
  });
  assert.match(
    errorOf(() => netExact.forward(input(4, 'direct'), { training: true, rng: new Rng(1) })),
    /gradMode 'representation'/,
  );
  const withDropout = makeNet(reference, 'if', 4, 2, 0.2);
  assert.match(
    errorOf(() => withDropout.forward(input(4, 'direct'), { training: true, rng: new Rng(1) })),
    /dropout/,
  );
  assert.match(
    errorOf(() =>
      buildModel(reference, { model: 'resnet18', input: [32, 32, 3], classes: 10, neuron: 'if', T: 4, timeChunk: 2 }),
    ),
    /^timeChunk: works on plain sequential models/,
  );
  // eval in chunks is fine for any neuron kind, including the BPTT baseline
  const bptt = buildModel(reference, {
    model: 'mnistnet',
    input: [8, 8, 1],
    classes: 3,
    neuron: 'bptt',
    T: 4,
    timeChunk: 2,
    gradMode: 'representation',
  });
  const x = { shape: [2, 8, 8, 1], data: new Float32Array(2 * 64).fill(0.5) };
  assert.equal(bptt.net.forward(x, { training: false, rng: new Rng(1) }).data.length, 6);
  assert.match(
    errorOf(() => bptt.net.forward(x, { training: true, rng: new Rng(1) })),
    /DSR neurons|representation/,
  );
});
