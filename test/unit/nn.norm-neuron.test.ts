/**
 * A batch-norm block followed by a neuron in a Sequential leaves the normalisation to the neuron (nn/norm-neuron.ts):
 * output, input gradient, every parameter gradient and the running statistics are bit for bit those of the layers
 * run one after the other (the same network with the batch-norm's output written), for IF and LIF, T = 1 and 4,
 * evaluation and both gradient modes, with the pooling after the neuron fused or not, channel counts that are and
 * are not multiples of 4; and where something reads the normalised current, the layers run unfused.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kernels } from '../../src/kernels/kernels.js';
import { Builder } from '../../src/models/builder.js';
import { mnistNet } from '../../src/models/mnistnet.js';
import { neuronSpec } from '../../src/models/neurons.js';
import { AvgPool2d } from '../../src/nn/avgpool.js';
import { BatchNorm } from '../../src/nn/batchnorm.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import { Flatten } from '../../src/nn/flatten.js';
import type { Layer, RunContext } from '../../src/nn/layer.js';
import { Linear } from '../../src/nn/linear.js';
import { crossEntropy } from '../../src/nn/loss.js';
import { Network } from '../../src/nn/network.js';
import { passesSpikesThrough, SpikingNeuron } from '../../src/nn/neuron-layer.js';
import { NormBlock } from '../../src/nn/norm-block.js';
import { evalMode, trainMode } from '../../src/nn/run-mode.js';
import { Sequential } from '../../src/nn/sequential.js';
import { layersOf } from '../../src/nn/walk.js';
import { zeroGrad } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/rng.js';
import { ifConfig, lifConfig, type NeuronConfig } from '../../src/snn/config.js';
import { type Tensor, tensor } from '../../src/tensor.js';
import { testKernels } from '../support/kernels.under-test.js';
import { watchedKernels } from '../support/watched-kernels.js';

const base = await testKernels();

/** `base`, counting the neuron forwards that asked for `normalized`. */
function watched(): { k: Kernels; normalizedCalls: () => number } {
  let normalized = 0;
  const k = watchedKernels(base, {
    neuronForward: (_x, _y, a) => {
      if (a.normalized !== undefined) normalized++;
    },
  });
  return { k, normalizedCalls: () => normalized };
}

function input(k: Kernels, shape: readonly number[], seed: number, scale = 1): Tensor {
  const rng = new Rng(seed);
  const data = k.alloc(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = scale * (0.2 + rng.normal());
  k.fromHost(data);
  return tensor([...shape], data);
}

type Training = null | 'exact' | 'representation';

/** conv→BN→neuron→pool→conv→BN→neuron (6 channels)→flatten→linear→BN1d→neuron; the BNs' outputs read or not. */
function network(
  k: Kernels,
  config: NeuronConfig,
  keep: 'none' | 'bn' | 'block',
): { net: Sequential; bns: BatchNorm[] } {
  const rng = new Rng(11);
  const neuron = (name: string): SpikingNeuron => new SpikingNeuron({ k }, { name, config, mode: 'dsr' });
  const bns = [
    new BatchNorm({ k }, { name: 'b0', channels: 8 }),
    new BatchNorm({ k }, { name: 'b1', channels: 6 }),
    new BatchNorm({ k }, { name: 'b2', channels: 5 }),
  ];
  const blocks = [
    new NormBlock({
      branches: [{ pre: null, weight: new Conv2d({ k, rng }, { name: 'c0', inC: 3, outC: 8, kernel: 3, pad: 1 }) }],
      bn: bns[0]!,
    }),
    new NormBlock({
      branches: [{ pre: null, weight: new Conv2d({ k, rng }, { name: 'c1', inC: 8, outC: 6, kernel: 3, pad: 1 }) }],
      bn: bns[1]!,
    }),
    new NormBlock({
      branches: [{ pre: null, weight: new Linear({ k, rng }, { name: 'l2', inF: 3 * 3 * 6, outF: 5 }) }],
      bn: bns[2]!,
    }),
  ];
  // a recorder on the batch-norm or on the block reads the normalised current: the layers then run one after the other
  for (const [i, b] of blocks.entries()) {
    const bn = bns[i]!;
    if (keep === 'bn') bn.forward = (x, ctx) => BatchNorm.prototype.forward.call(bn, x, ctx);
    if (keep === 'block') b.forward = (x, ctx) => NormBlock.prototype.forward.call(b, x, ctx);
  }
  keepPerStepBackward(blocks);
  const layers: Layer[] = [
    blocks[0]!,
    neuron('n0'),
    new AvgPool2d({ kernel: 2 }),
    blocks[1]!,
    neuron('n1'),
    new Flatten(),
    blocks[2]!,
    neuron('n2'),
  ];
  return { net: new Sequential(layers), bns };
}

/**
 * A hook on each block's backward, in both runs: a block then hands back every step's input gradient, so what the
 * runs compare is the forward's fusion alone (the time-summed input gradient, which changes the summation order, is
 * nn.summed-backward.test.ts's).
 */
function keepPerStepBackward(blocks: readonly NormBlock[]): void {
  for (const b of blocks) b.backward = (dy, ctx) => NormBlock.prototype.backward.call(b, dy, ctx);
}

function run(
  k: Kernels,
  config: NeuronConfig,
  o: { T: number; B: number; training: Training; keep: 'none' | 'bn' | 'block' },
): { y: number[]; grads: number[][]; weighted: boolean[]; dx: number[] | null; running: number[][] } {
  const { T, B, training } = o;
  const { net, bns } = network(k, config, o.keep);
  const ctx: RunContext = {
    k,
    T,
    batch: B,
    rng: new Rng(0),
    mode: training === null ? evalMode(T) : trainMode(T, training),
  };
  if (training === null) {
    // evaluation normalises with running statistics: make them differ from the start values
    for (const bn of bns)
      for (let c = 0; c < bn.channels; c++) {
        bn.runningMean[c] = 0.1 * c - 0.2;
        bn.runningVar[c] = 0.5 + 0.3 * c;
        bn.weight.value[c] = 1 + 0.1 * c;
        bn.bias.value[c] = 0.05 * c;
      }
  }
  // an 8×6 image pools to 4×3, whose 3×3 convolution flattens to 3·3·6 after a crop-free pass: 6×6 input
  const x = input(k, [T * B, 6, 6, 3], 1 + T, 2);
  const y = net.forward(x, ctx);
  const out = {
    y: [...k.toHost(y.data)],
    grads: [] as number[][],
    weighted: [] as boolean[],
    dx: null as number[] | null,
    running: bns.flatMap((b) => [[...b.runningMean], [...b.runningVar]]),
  };
  if (training === null) return out;
  const g = input(k, [training === 'exact' ? y.shape[0]! : B, ...y.shape.slice(1)], 7);
  out.dx = [...k.toHost(net.backward(g, ctx).data)];
  out.grads = net.params().map((p) => [...k.toHost(p.grad)]);
  out.weighted = net.params().map((p) => p.name.endsWith('.weight'));
  return out;
}

/** One step of mnistnet on 8×8×2 images as a Network (its first block run once per sample); the BNs' outputs read or not. */
function runNetwork(
  k: Kernels,
  training: Training,
  keep: boolean,
): { logits: number[]; grads: number[][]; running: number[][] } {
  const b = new Builder(k, new Rng(9), neuronSpec('if', { vth: 0.5 }));
  const body = mnistNet(b, [8, 8, 2], 5);
  const bns = layersOf(body).filter((l): l is BatchNorm => l instanceof BatchNorm);
  if (keep) for (const bn of bns) bn.forward = (x, ctx) => BatchNorm.prototype.forward.call(bn, x, ctx);
  keepPerStepBackward(layersOf(body).filter((l): l is NormBlock => l instanceof NormBlock));
  const net = new Network({
    k,
    T: 4,
    body,
    readout: b.readout(),
    inputShape: [8, 8, 2],
    classes: 5,
    gradMode: training ?? 'exact',
  });
  for (const bn of bns)
    for (let c = 0; c < bn.channels; c++) {
      bn.runningMean[c] = 0.01 * c;
      bn.runningVar[c] = 1 + 0.02 * c;
    }
  const rng = new Rng(4);
  const x = new Float32Array(3 * 8 * 8 * 2).map(() => rng.normal());
  const params = net.params();
  zeroGrad(params, k);
  const logits = net.forward({ shape: [3, 8, 8, 2], data: x }, { training: training !== null, rng: new Rng(1) });
  const out = { logits: [...k.toHost(logits.data)], grads: [] as number[][], running: [] as number[][] };
  if (training !== null) {
    const { grad } = crossEntropy(logits, Int32Array.from([0, 3, 4]), k);
    net.backward(grad);
    out.grads = params.map((p) => [...k.toHost(p.grad)]);
  }
  out.running = bns.flatMap((bn) => [[...bn.runningMean], [...bn.runningVar]]);
  return out;
}

describe('a batch-norm block followed by a neuron', () => {
  for (const [kind, config] of [
    ['IF', ifConfig({ vth: 1 })],
    ['LIF', lifConfig({ vth: 0.1 })],
  ] as const) {
    for (const training of [null, 'exact', 'representation'] as const) {
      const what = `${kind}, ${training === null ? 'eval' : `${training}-mode training`}`;
      it(`${what}: the numbers of the layers run one after the other, without writing the normalised current`, () => {
        for (const T of [1, 4]) {
          const o = { T, B: 3, training };
          const fusedK = watched();
          const fused = run(fusedK.k, config, { ...o, keep: 'none' });
          const plainK = watched();
          const plain = run(plainK.k, config, { ...o, keep: 'bn' });
          const at = `T=${T}`;
          assert.equal(fusedK.normalizedCalls(), 3, `${at}: every neuron applied its batch-norm`);
          assert.equal(plainK.normalizedCalls(), 0, `${at}: the batch-norms' outputs written`);
          assert.deepEqual(fused, plain, at);
          assert.ok(
            plain.y.some((v) => v !== 0),
            `${at}: the last layer fires`,
          );
          if (training !== null) {
            assert.ok(
              plain.dx!.some((v) => v !== 0),
              `${at}: gradients flow`,
            );
            assert.ok(
              // (a threshold may see no saturated neuron, and a bias in front of a batch-norm gets Σ dz, which is 0)
              T === 1 || plain.grads.every((g, i) => !plain.weighted[i] || g.some((v) => v !== 0)),
              `${at}: every weight has a gradient`,
            );
          }
        }
      });
    }
  }

  for (const training of [null, 'exact', 'representation'] as const) {
    it(`mnistnet (${training ?? 'eval'}): the same logits, gradients and running statistics, the first neuron given its input once`, () => {
      const fusedK = watched();
      const fused = runNetwork(fusedK.k, training, false);
      const plainK = watched();
      const plain = runNetwork(plainK.k, training, true);
      // training writes the first batch-norm's output anyway: n floats, Ī of the neuron given it once
      assert.equal(fusedK.normalizedCalls(), training === null ? 4 : 3, 'the neurons applied their batch-norms');
      assert.equal(plainK.normalizedCalls(), 0);
      assert.deepEqual(fused, plain);
      if (training !== null) {
        assert.ok(plain.logits.some((v) => v !== 0));
        assert.ok(plain.grads.filter((g) => g.some((v) => v !== 0)).length >= 10);
      }
    });
  }

  it('runs unfused where the normalised current is read', () => {
    const config = ifConfig({ vth: 1 });
    const o = { T: 4, B: 2, training: 'exact' as const };
    const block = watched();
    run(block.k, config, { ...o, keep: 'block' });
    assert.equal(block.normalizedCalls(), 0, 'a recorder on the block');
    const observed = watched();
    const { net } = network(observed.k, config, 'none');
    const ctx: RunContext = { k: observed.k, T: 4, batch: 2, rng: new Rng(0), mode: evalMode(4) };
    const neurons = net.layers.filter((l): l is SpikingNeuron => l instanceof SpikingNeuron);
    let seen = 0;
    neurons[0]!.observeInput = () => seen++;
    neurons[1]!.perturbation = { input: (_k, x) => x };
    neurons[2]!.forward = passesSpikesThrough((x: Tensor, c: RunContext) =>
      SpikingNeuron.prototype.forward.call(neurons[2]!, x, c),
    );
    net.forward(input(observed.k, [8, 6, 6, 3], 3), ctx);
    assert.equal(seen, 1, 'the observer saw the normalised current');
    assert.equal(
      observed.normalizedCalls(),
      1,
      'an observer and a hook read the current; a pass-through timer does not',
    );
  });
});
