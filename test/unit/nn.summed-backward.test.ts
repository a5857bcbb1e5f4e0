/**
 * The exact-mode backward into a neuron that reads only its gradient's time sum takes that sum above the conv or
 * linear in front of it (nn/summed-backward.ts): mnistnet's input-gradient passes run over B rows instead of T·B,
 * and every gradient equals the per-step backward's (a hook on the blocks' backward keeps that one) up to float
 * summation order, for IF and LIF; a hook that sees a gradient gets every step's. Against float64 central
 * differences: nn.gradcheck64.test.ts.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConvGeometry, GemmAttrs, Kernels } from '../../src/kernels/kernels.js';
import { Builder } from '../../src/models/builder.js';
import { mnistNet } from '../../src/models/mnistnet.js';
import { type NeuronChoice, neuronSpec } from '../../src/models/neurons.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import type { Layer, RunContext } from '../../src/nn/layer.js';
import { crossEntropy } from '../../src/nn/loss.js';
import { Network } from '../../src/nn/network.js';
import { NormBlock } from '../../src/nn/norm-block.js';
import { Sequential } from '../../src/nn/sequential.js';
import { layersOf } from '../../src/nn/walk.js';
import { zeroGrad } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/rng.js';
import type { Tensor } from '../../src/tensor.js';
import { testKernels } from '../support/kernels.under-test.js';

const base = await testKernels();
const T = 4;
const B = 3;

/** `base`, recording the rows of every conv input-gradient pass and of every gemm producing a [rows, 64] gradient. */
function watched(): { k: Kernels; convRows: number[]; linearRows: number[] } {
  const convRows: number[] = [];
  const linearRows: number[] = [];
  const k = new Proxy(base, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (prop === 'conv2dBackwardInput') {
        return (dy: Float32Array, w: Float32Array, dx: Float32Array, g: ConvGeometry) => {
          convRows.push(g.batch);
          target.conv2dBackwardInput(dy, w, dx, g);
        };
      }
      if (prop === 'gemm') {
        return (a: Float32Array, b: Float32Array, c: Float32Array, g: GemmAttrs) => {
          // the first linear's input gradient: dy [rows, 256] · W [256, 2·2·64]
          if (g.n === 2 * 2 * 64 && g.k === 256 && !g.transA && !g.transB) linearRows.push(g.m);
          target.gemm(a, b, c, g);
        };
      }
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { k, convRows, linearRows };
}

/** One exact-mode step of mnistnet on 8×8×2 images; `perStep` hooks the blocks' backward (the per-step backward). */
function step(
  k: Kernels,
  neuron: NeuronChoice,
  perStep: boolean,
  onConvBackward?: (dy: Tensor) => void,
): { grads: number[][]; names: string[] } {
  const b = new Builder(k, new Rng(9), neuronSpec(neuron, { vth: 0.5 }));
  const body = mnistNet(b, [8, 8, 2], 5);
  if (perStep)
    for (const block of layersOf(body).filter((l): l is NormBlock => l instanceof NormBlock))
      block.backward = (dy, ctx) => NormBlock.prototype.backward.call(block, dy, ctx);
  if (onConvBackward !== undefined) {
    const conv = layersOf(body).filter((l): l is Conv2d => l instanceof Conv2d)[1]!;
    conv.backward = (dy: Tensor, ctx: RunContext) => {
      onConvBackward(dy);
      return Conv2d.prototype.backward.call(conv, dy, ctx);
    };
  }
  const net = new Network({ k, T, body, readout: b.readout(), inputShape: [8, 8, 2], classes: 5, gradMode: 'exact' });
  const rng = new Rng(4);
  const x = new Float32Array(B * 8 * 8 * 2).map(() => 1.5 * rng.normal());
  const params = net.params();
  zeroGrad(params, k);
  const logits = net.forward({ shape: [B, 8, 8, 2], data: x }, { training: true, rng: new Rng(1) });
  net.backward(crossEntropy(logits, Int32Array.from([0, 3, 4]), k).grad);
  return { grads: params.map((p) => [...k.toHost(p.grad)]), names: params.map((p) => p.name) };
}

/** mnistnet's batch-norms: features.1, features.5, classifier.1, classifier.4. */
function isBn(name: string): boolean {
  return /^(features\.[15]|classifier\.[14])\./.test(name);
}

describe('the time-summed input gradient', () => {
  for (const neuron of ['if', 'lif'] as const) {
    it(`${neuron}: mnistnet's input-gradient passes over B rows, the gradients those of the per-step backward`, () => {
      const summed = watched();
      const got = step(summed.k, neuron, false);
      const perStep = watched();
      const want = step(perStep.k, neuron, true);
      // the first conv's input gradient is nobody's: only the second conv's pass runs
      assert.deepEqual(summed.convRows, [B], 'the second conv: B rows');
      assert.deepEqual(perStep.convRows, [T * B], 'per step: T·B rows');
      assert.deepEqual(summed.linearRows, [B], 'the first linear: B rows');
      assert.deepEqual(perStep.linearRows, [T * B]);
      let nonzero = 0;
      const overall = Math.max(...want.grads.flat().map(Math.abs));
      for (const [i, name] of want.names.entries()) {
        const w = want.grads[i]!;
        const g = got.grads[i]!;
        // a conv/linear bias in front of a batch-norm gets Σ dz, 0 up to round-off: measured against all gradients
        const inFrontOfBn =
          name.endsWith('.bias') && want.names.includes(name.replace('.bias', '.weight')) && !isBn(name);
        const scale = inFrontOfBn ? overall : Math.max(1e-6, ...w.map(Math.abs));
        for (let j = 0; j < w.length; j++)
          assert.ok(Math.abs(g[j]! - w[j]!) <= 2e-5 * scale, `${name}[${j}]: ${g[j]} vs ${w[j]}`);
        if (name.endsWith('.weight') && w.some((v) => v !== 0)) nonzero++;
      }
      assert.ok(nonzero >= 8, `${nonzero} weight gradients to compare`);
    });
  }

  it('a hook on the conv sees every step: the per-step backward runs there', () => {
    const w = watched();
    const rows: number[] = [];
    step(w.k, 'if', false, (dy) => rows.push(dy.shape[0]!));
    assert.deepEqual(rows, [T * B], 'the hook saw T·B rows');
    assert.deepEqual(w.convRows, [T * B], 'the conv input gradient over T·B rows');
    assert.deepEqual(w.linearRows, [B], 'the linear, unhooked, still over B rows');
  });

  for (const neuron of ['if', 'lif'] as const) {
    it(`${neuron}: residual blocks (paths into one batch-norm): every conv's input gradient over B rows, the same gradients`, () => {
      const summed = watched();
      const got = residualStep(summed.k, neuron, false);
      const perStep = watched();
      const want = residualStep(perStep.k, neuron, true);
      // conv1, conv2, conv3, conv4 and the shortcut (the stem's input gradient is nobody's)
      assert.deepEqual(summed.convRows, [B, B, B, B, B], 'summed: B rows');
      assert.deepEqual(perStep.convRows, [T * B, T * B, T * B, T * B, T * B], 'per step: T·B rows');
      const overall = Math.max(...want.grads.flat().map(Math.abs));
      let compared = 0;
      for (const [i, name] of want.names.entries()) {
        const w = want.grads[i]!;
        const g = got.grads[i]!;
        // a conv/linear bias in front of a batch-norm gets Σ dz, 0 up to round-off: measured against all gradients
        const inFrontOfBn = name.endsWith('.bias') && !/(^|\.)bn\d?\./.test(name);
        const scale = inFrontOfBn ? overall : Math.max(1e-3 * overall, ...w.map(Math.abs));
        for (let j = 0; j < w.length; j++)
          assert.ok(Math.abs(g[j]! - w[j]!) <= 2e-5 * scale, `${name}[${j}]: ${g[j]} vs ${w[j]}`);
        if (name.endsWith('.weight') && w.some((v) => Math.abs(v) > 1e-3 * overall)) compared++;
      }
      assert.ok(compared >= 10, `${compared} weight gradients to compare`);
    });
  }
});

/**
 * stem conv → [BN → neuron] → block (conv → BN → neuron → conv, identity shortcut) → [BN → neuron] → block with a
 * stride-2 1×1 shortcut conv → [BN → neuron] → flatten → linear → BN → neuron: the PreAct ResNet's layout
 * (models/preact-resnet18.ts) at 4 and 6 channels; `perStep` hooks every block's and sequence's backward.
 */
function residualStep(k: Kernels, neuron: NeuronChoice, perStep: boolean): { grads: number[][]; names: string[] } {
  const b = new Builder(k, new Rng(12), neuronSpec(neuron, { vth: 0.4 }));
  const inner = (name: string, inC: number, outC: number, stride: number): Sequential =>
    new Sequential([
      b.normed(b.conv(`${name}.conv1`, inC, outC, 3, { stride }), b.bn(`${name}.bn2`, outC)),
      b.neuron(`${name}.n2`),
    ]);
  const layers: Layer[] = [
    b.normedSum([{ pre: null, weight: b.conv('stem', 2, 4, 3) }], b.bn('l1.bn1', 4)),
    b.neuron('l1.n1'),
    b.normedSum(
      [
        { pre: inner('l1', 4, 4, 1), weight: b.conv('l1.conv2', 4, 4, 3) },
        { pre: null, weight: null },
      ],
      b.bn('l2.bn1', 4),
    ),
    b.neuron('l2.n1'),
    b.normedSum(
      [
        { pre: inner('l2', 4, 6, 2), weight: b.conv('l2.conv2', 6, 6, 3) },
        { pre: null, weight: b.conv('l2.shortcut', 4, 6, 1, { stride: 2, pad: 0 }) },
      ],
      b.bn('out.bn', 6),
    ),
    b.neuron('out.n'),
    b.flatten(),
    b.normed(b.linear('fc', 4 * 4 * 6, 5), b.bn('fc.bn', 5)),
    b.neuron('fc.n'),
  ];
  const body = new Sequential(layers);
  if (perStep)
    for (const l of layersOf(body)) {
      if (l instanceof NormBlock) l.backward = (dy, ctx) => NormBlock.prototype.backward.call(l, dy, ctx);
      if (l instanceof Sequential && l !== body)
        l.backward = (dy, ctx) => Sequential.prototype.backward.call(l, dy, ctx);
    }
  const net = new Network({ k, T, body, readout: b.readout(), inputShape: [8, 8, 2], classes: 5, gradMode: 'exact' });
  const rng = new Rng(5);
  const x = new Float32Array(B * 8 * 8 * 2).map(() => 1.5 * rng.normal());
  const params = net.params();
  zeroGrad(params, k);
  const logits = net.forward({ shape: [B, 8, 8, 2], data: x }, { training: true, rng: new Rng(1) });
  net.backward(crossEntropy(logits, Int32Array.from([1, 2, 4]), k).grad);
  return { grads: params.map((p) => [...k.toHost(p.grad)]), names: params.map((p) => p.name) };
}
