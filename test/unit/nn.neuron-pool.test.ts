/**
 * A neuron followed by a 2×2 stride-2 average pooling in a Sequential writes the pooled spikes itself
 * (nn/neuron-pool.ts): output, input gradient and threshold gradient are bit for bit those of the two layers run
 * one after the other (the same network with the spikes kept), for IF and LIF, T = 1, 4, 8, evaluation and both
 * gradient modes, an input given once or T times, even and odd sides; and wherever something reads the spikes
 * (a spike count, a replaced forward, the BPTT neuron) or the pooling is another, the layers run unfused.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kernels } from '../../src/kernels/kernels.js';
import { AvgPool2d } from '../../src/nn/avgpool.js';
import type { RunContext } from '../../src/nn/layer.js';
import { passesSpikesThrough, SpikingNeuron } from '../../src/nn/neuron-layer.js';
import { evalMode, trainMode } from '../../src/nn/run-mode.js';
import { Sequential } from '../../src/nn/sequential.js';
import { Rng } from '../../src/rng.js';
import { ifConfig, lifConfig, type NeuronConfig } from '../../src/snn/config.js';
import { type Tensor, tensor } from '../../src/tensor.js';
import { testKernels } from '../support/kernels.under-test.js';
import { watchedKernels } from '../support/watched-kernels.js';

const base = await testKernels();

/** `base`, remembering whether the neuron forwards asked for `pooled`. */
function watched(): { k: Kernels; pooledCalls: () => number; poolBackwardRows: () => number[] } {
  let pooled = 0;
  const backRows: number[] = [];
  const k = watchedKernels(base, {
    neuronForward: (_x, _y, a) => {
      if (a.pooled !== undefined) pooled++;
    },
    avgPool2dBackward: (_dy, _dx, g) => {
      backRows.push(g.batch);
    },
  });
  return { k, pooledCalls: () => pooled, poolBackwardRows: () => backRows };
}

function input(k: Kernels, shape: readonly number[], seed: number, scale = 3): Tensor {
  const rng = new Rng(seed);
  const data = k.alloc(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = scale * (0.3 + rng.normal());
  k.fromHost(data);
  return tensor([...shape], data);
}

type Training = null | 'exact' | 'representation';

/** Forward (and backward) of [neuron, pool]; the host copies of what came out. */
function run(
  k: Kernels,
  config: NeuronConfig,
  o: { T: number; B: number; H: number; W: number; once: boolean; training: Training; keep: boolean; window?: number },
): { y: number[]; shape: readonly number[]; dx: number[] | null; vthGrad: number } {
  const { T, B, H, W, once, training } = o;
  const C = 4;
  const neuron = new SpikingNeuron({ k }, { name: 'n', config, mode: 'dsr' });
  // an observer on forward reads the spikes: the two layers then run one after the other
  if (o.keep) neuron.forward = (x, ctx) => SpikingNeuron.prototype.forward.call(neuron, x, ctx);
  if (o.keep) neuron.forwardRepeated = (x, ctx) => SpikingNeuron.prototype.forwardRepeated.call(neuron, x, ctx);
  // and a hook on backward sees its gradient per step: the pooling's backward then runs over all T·B rows first
  if (o.keep) neuron.backward = (dy, ctx) => SpikingNeuron.prototype.backward.call(neuron, dy, ctx);
  const net = new Sequential([neuron, new AvgPool2d({ kernel: o.window ?? 2 })]);
  const ctx: RunContext = {
    k,
    T,
    batch: B,
    rng: new Rng(0),
    mode: training === null ? evalMode(T) : trainMode(T, training),
  };
  const x = input(k, [once ? B : T * B, H, W, C], 1 + T);
  const y = once ? net.forwardRepeated(x, ctx) : net.forward(x, ctx);
  const out = { y: [...k.toHost(y.data)], shape: y.shape, dx: null as number[] | null, vthGrad: 0 };
  if (training === null) return out;
  // representation mode's gradient is already summed over the steps: B rows
  const g = input(k, [training === 'exact' ? y.shape[0]! : B, ...y.shape.slice(1)], 7, 1);
  out.dx = [...k.toHost(net.backward(g, ctx).data)];
  out.vthGrad = neuron.vth.grad[0]!;
  return out;
}

describe('a neuron followed by a 2×2 pooling', () => {
  for (const [kind, config] of [
    ['IF', ifConfig({ vth: 1 })],
    ['LIF', lifConfig({ vth: 0.3 })],
  ] as const) {
    for (const training of [null, 'exact', 'representation'] as const) {
      const what = `${kind}, ${training === null ? 'eval' : `${training}-mode training`}`;
      it(`${what}: the numbers of the two layers run one after the other, without writing the spikes`, () => {
        for (const T of [1, 4, 8])
          for (const once of [false, true])
            for (const [H, W] of [
              [6, 8],
              [5, 7],
            ] as const) {
              const o = { T, B: 2, H, W, once, training };
              const fusedK = watched();
              const fused = run(fusedK.k, config, { ...o, keep: false });
              const plainK = watched();
              const plain = run(plainK.k, config, { ...o, keep: true });
              const at = `T=${T} ${H}×${W}${once ? ' once' : ''}`;
              assert.equal(fusedK.pooledCalls(), 1, `${at}: the neuron wrote the pooling`);
              assert.equal(plainK.pooledCalls(), 0, `${at}: spikes kept`);
              assert.deepEqual(fused.shape, [T * 2, H >> 1, W >> 1, 4], at);
              assert.deepEqual(fused, plain, at);
              assert.ok(
                plain.y.some((v) => v !== 0) && plain.y.some((v) => v === 0),
                `${at}: some windows fire, some do not`,
              );
              if (training !== null)
                assert.ok(
                  plain.dx!.some((v) => v !== 0),
                  `${at}: gradients flow`,
                );
              // exact mode, input given once: the gradient is summed over time before the pooling's backward
              if (training === 'exact') {
                assert.deepEqual(plainK.poolBackwardRows(), [T * 2], `${at}: the plain pooling backward`);
                assert.deepEqual(fusedK.poolBackwardRows(), [once ? 2 : T * 2], `${at}: the summed pooling backward`);
              }
            }
      });
    }
  }

  it('runs unfused where the spikes are read or the pooling is another', () => {
    const config = ifConfig({ vth: 1 });
    const o = { T: 4, B: 2, H: 6, W: 6, once: false, training: null, keep: false };
    const counted = watched();
    const neuron = new SpikingNeuron({ k: counted.k }, { name: 'n', config, mode: 'dsr' });
    const net = new Sequential([neuron, new AvgPool2d({ kernel: 2 })]);
    const ctx: RunContext = { k: counted.k, T: 4, batch: 2, rng: new Rng(0), mode: evalMode(4) };
    neuron.startCounting();
    net.forward(input(counted.k, [8, 6, 6, 4], 3), ctx);
    assert.equal(counted.pooledCalls(), 0, 'spike counting reads the spikes');
    assert.ok(neuron.counted.spikes > 0);
    const wide = watched();
    run(wide.k, config, { ...o, window: 3 });
    assert.equal(wide.pooledCalls(), 0, 'a 3×3 pooling');
    const bptt = watched();
    const bpttNeuron = new SpikingNeuron({ k: bptt.k }, { name: 'n', config, mode: 'bptt' });
    new Sequential([bpttNeuron, new AvgPool2d({ kernel: 2 })]).forward(input(bptt.k, [8, 6, 6, 4], 3), {
      ...ctx,
      k: bptt.k,
      mode: trainMode(4, 'exact'),
    });
    assert.equal(bptt.pooledCalls(), 0, 'the BPTT baseline records its membrane');
    // a timer that passes the spikes through leaves the fusion on
    const timed = watched();
    const timedNeuron = new SpikingNeuron({ k: timed.k }, { name: 'n', config, mode: 'dsr' });
    timedNeuron.forward = passesSpikesThrough((x: Tensor, c: RunContext) =>
      SpikingNeuron.prototype.forward.call(timedNeuron, x, c),
    );
    new Sequential([timedNeuron, new AvgPool2d({ kernel: 2 })]).forward(input(timed.k, [8, 6, 6, 4], 3), {
      ...ctx,
      k: timed.k,
    });
    assert.equal(timed.pooledCalls(), 1, 'a pass-through timer');
  });
});
