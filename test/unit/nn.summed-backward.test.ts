/**
 * The exact-mode backward into a neuron that reads only its gradient's time sum takes that sum above the conv or
 * linear in front of it (nn/summed-backward.ts): mnistnet's input-gradient passes run over B rows instead of T·B,
 * and every gradient equals the per-step backward's (a hook on the blocks' backward keeps that one) up to float
 * summation order, for IF and LIF; a hook that sees a gradient gets every step's. The neuron's gradient reaches the
 * batch-norm in front of it held once for all steps, and the time sum comes from the batch-norm's own pass
 * (nn/shared-steps.ts). Against float64 central
 * differences: nn.gradcheck64.test.ts.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kernels } from '../../src/kernels/kernels.js';
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
import { watchedKernels } from '../support/watched-kernels.js';

const base = await testKernels();
const T = 4;
const B = 3;

/**
 * `base`, recording the rows of every conv input-gradient pass and of every gemm producing a [rows, 64] gradient,
 * and how each batch-norm backward got its gradient: "1" repeated per step, "4" held once for 4 steps
 * (nn/shared-steps.ts), "+sum" with the time sum formed in the same pass.
 */
function watched(): { k: Kernels; convRows: number[]; linearRows: number[]; bnGradients: string[] } {
  const convRows: number[] = [];
  const linearRows: number[] = [];
  const bnGradients: string[] = [];
  const k = watchedKernels(base, {
    conv2dBackwardInput: (_dy, _w, _dx, g) => {
      convRows.push(g.batch);
    },
    batchNormBackward: (_x, _dy, _m, _s, _g, _dx, _dg, _db, a) => {
      bnGradients.push(`${a.sharedSteps ?? 1}${a.timeSum === undefined ? '' : '+sum'}`);
    },
    gemm: (_a, _b, _c, g) => {
      // the first linear's input gradient: dy [rows, 256] · W [256, 2·2·64]
      if (g.n === 2 * 2 * 64 && g.k === 256 && !g.transA && !g.transB) linearRows.push(g.m);
    },
  });
  return { k, convRows, linearRows, bnGradients };
}

/** One exact-mode step of mnistnet on 8×8×2 images; `perStep` hooks the blocks' backward (the per-step backward). */
function step(k: Kernels, neuron: NeuronChoice, perStep: boolean, onConvBackward?: (dy: Tensor) => void): Gradients {
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
  return exactStep(k, b, body, 4, [0, 3, 4]);
}

/** Every parameter's gradient after one step, by name. */
interface Gradients {
  readonly grads: number[][];
  readonly names: string[];
}

/** One exact-mode training step of `body` on B random 8×8×2 images (input seed `seed`) and `labels`. */
function exactStep(k: Kernels, b: Builder, body: Layer, seed: number, labels: number[]): Gradients {
  const net = new Network({ k, T, body, readout: b.readout(), inputShape: [8, 8, 2], classes: 5, gradMode: 'exact' });
  const rng = new Rng(seed);
  const x = new Float32Array(B * 8 * 8 * 2).map(() => 1.5 * rng.normal());
  const params = net.params();
  zeroGrad(params, k);
  const logits = net.forward({ shape: [B, 8, 8, 2], data: x }, { training: true, rng: new Rng(1) });
  net.backward(crossEntropy(logits, Int32Array.from(labels), k).grad);
  return { grads: params.map((p) => [...k.toHost(p.grad)]), names: params.map((p) => p.name) };
}

/** The largest |gradient| of all parameters. */
function largest(g: Gradients): number {
  return Math.max(...g.grads.flat().map(Math.abs));
}

/**
 * Asserts every gradient of `got` within 2·10⁻⁵ of `want`'s, relative to the parameter's largest |gradient| (at
 * least `floor`); a conv/linear bias in front of a batch-norm (`inFrontOfBn`) gets Σ dz, 0 up to round-off, so it
 * is measured against all gradients. Returns how many weights have a gradient entry above `significant`.
 */
function assertSameGradients(
  got: Gradients,
  want: Gradients,
  o: { floor: number; significant: number; inFrontOfBn: (name: string) => boolean },
): number {
  const overall = largest(want);
  let weights = 0;
  for (const [i, name] of want.names.entries()) {
    const w = want.grads[i]!;
    const g = got.grads[i]!;
    const scale = o.inFrontOfBn(name) ? overall : Math.max(o.floor, ...w.map(Math.abs));
    for (let j = 0; j < w.length; j++)
      assert.ok(Math.abs(g[j]! - w[j]!) <= 2e-5 * scale, `${name}[${j}]: ${g[j]} vs ${w[j]}`);
    if (name.endsWith('.weight') && w.some((v) => Math.abs(v) > o.significant)) weights++;
  }
  return weights;
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
      // classifier.4 (the readout's gradient, per step), classifier.1 and features.5 (a neuron's gradient held once,
      // the time sum for the linear's and the conv's input gradient from the same pass), features.1 (B rows: the
      // first layers run once)
      assert.deepEqual(summed.bnGradients, ['1', `${T}+sum`, `${T}+sum`, '1'], 'held once where a neuron gives it');
      assert.deepEqual(perStep.bnGradients, ['1', '1', '1', '1'], 'the hooked blocks get every step');
      const nonzero = assertSameGradients(got, want, {
        floor: 1e-6,
        significant: 0,
        inFrontOfBn: (name) =>
          name.endsWith('.bias') && want.names.includes(name.replace('.bias', '.weight')) && !isBn(name),
      });
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
      const overall = largest(want);
      const compared = assertSameGradients(got, want, {
        floor: 1e-3 * overall,
        significant: 1e-3 * overall,
        inFrontOfBn: (name) => name.endsWith('.bias') && !/(^|\.)bn\d?\./.test(name),
      });
      assert.ok(compared >= 10, `${compared} weight gradients to compare`);
    });
  }
});

/**
 * stem conv → [BN → neuron] → block (conv → BN → neuron → conv, identity shortcut) → [BN → neuron] → block with a
 * stride-2 1×1 shortcut conv → [BN → neuron] → flatten → linear → BN → neuron: the PreAct ResNet's layout
 * (models/preact-resnet18.ts) at 4 and 6 channels; `perStep` hooks every block's and sequence's backward.
 */
function residualStep(k: Kernels, neuron: NeuronChoice, perStep: boolean): Gradients {
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
  return exactStep(k, b, body, 5, [1, 2, 4]);
}
