/**
 * nn layers: forward against float64 implementations (test/ref64.ts), every gradient (input and each
 * parameter) against central differences of that float64 implementation, in training mode; BN running
 * statistics and eval mode; dropout masks; containers; init statistics.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AvgPool2d } from '../../src/nn/avgpool.js';
import { BatchNorm } from '../../src/nn/batchnorm.js';
import { Conv2d, type Conv2dOptions } from '../../src/nn/conv2d.js';
import { Dropout } from '../../src/nn/dropout.js';
import { Flatten } from '../../src/nn/flatten.js';
import type { Layer, RunContext } from '../../src/nn/layer.js';
import { Linear } from '../../src/nn/linear.js';
import { Residual } from '../../src/nn/residual.js';
import { Sequential } from '../../src/nn/sequential.js';
import { Rng } from '../../src/rng.js';
import { type Tensor, tensor } from '../../src/tensor.js';
import { assertClose, assertGrad, centralDiff, dot, f64, gradientAgrees, maxAbs, randn } from '../support/gradcheck.js';
import { testKernels } from '../support/kernels.under-test.js';
import { avgPool64, batchNorm64, type ConvDims, conv64, linear64, outDims } from '../support/ref64.js';

const kernels = await testKernels();

import { evalMode, trainMode } from '../../src/nn/run-mode.js';

type Ref = (x: Float64Array, params: Float64Array[]) => Float64Array;

function ctxOf(training: boolean, seed = 0, T = 1, batch = 1): RunContext {
  return { k: kernels, T, batch, rng: new Rng(seed), mode: training ? trainMode(T) : evalMode(T) };
}

function input(rng: Rng, shape: number[], scale = 1): Tensor {
  return tensor(
    shape,
    randn(
      rng,
      shape.reduce((a, b) => a * b, 1),
      scale,
    ),
  );
}

/**
 * One training forward and backward of `layer`, checked against `ref` (the same function in float64, taking
 * the parameters in params() order): the output, dL/dx and every dL/dparam for L = Σ dy·ref(x, params).
 */
function checkLayer(layer: Layer, x: Tensor, ref: Ref, what: string, seed = 1): void {
  const rng = new Rng(seed);
  const ctx = ctxOf(true, seed);
  const params = layer.params();
  for (const p of params) {
    p.grad.fill(0);
    kernels.fromHost(p.grad);
  }
  const x64 = f64(x.data);
  const p64 = params.map((p) => f64(p.value));
  const y = layer.forward(x, ctx);
  assertClose(kernels.toHost(y.data), ref(x64, p64), { rtol: 1e-4 }, `${what} forward`);
  // a layer with weights keeps (at least) its input for the weight gradient; pooling keeps nothing
  const cached = layer.cachedFloats();
  assert.ok(
    params.length === 0 ? cached === 0 : cached >= x.data.length,
    `${what}: caches ${cached} floats for an input of ${x.data.length}`,
  );
  const dy = randn(rng, y.data.length);
  const dx = layer.backward(tensor(y.shape, dy), ctx);
  assert.deepEqual(dx.shape, x.shape, `${what}: dx has the input's shape`);
  assert.equal(layer.cachedFloats(), 0, `${what}: backward drops the cache`);
  const loss = (): number => dot(dy, ref(x64, p64));
  const numeric = [centralDiff(loss, x64), ...p64.map((p) => centralDiff(loss, p))];
  const scale = Math.max(...numeric.map(maxAbs));
  assertGrad(kernels.toHost(dx.data), numeric[0]!, `${what} dx`, scale);
  params.forEach((p, i) => assertGrad(kernels.toHost(p.grad), numeric[i + 1]!, `${what} ${p.name}`, scale));
}

const dimsFor = (
  shape: number[],
  k: number | [number, number],
  s: number | [number, number],
  p: number | [number, number],
): ConvDims => {
  const [kh, kw] = typeof k === 'number' ? [k, k] : k;
  const [sh, sw] = typeof s === 'number' ? [s, s] : s;
  const [ph, pw] = typeof p === 'number' ? [p, p] : p;
  return { n: shape[0]!, h: shape[1]!, w: shape[2]!, c: shape[3]!, kh, kw, sh, sw, ph, pw };
};

/** Float64 conv of a Conv2d's own options; params are [weight, bias?]. */
function convRef(o: Conv2dOptions, shape: number[]): Ref {
  const d = dimsFor(shape, o.kernel as number | [number, number], (o.stride ?? 1) as number, (o.pad ?? 0) as number);
  return (x, [w, b]) => conv64(x, w!, b ?? null, d, o.outC);
}

const bnRef =
  (rows: number, C: number, eps = 1e-5): Ref =>
  (x, [g, b]) =>
    batchNorm64(x, rows, C, g!, b!, eps).y;

describe('Conv2d', () => {
  const cases: [Conv2dOptions, number[]][] = [
    [{ name: 'c', inC: 3, outC: 4, kernel: 3, pad: 1 }, [2, 5, 5, 3]],
    [{ name: 'c', inC: 2, outC: 3, kernel: 3, stride: 2, pad: 1 }, [1, 7, 6, 2]],
    [{ name: 'c', inC: 3, outC: 2, kernel: 1, stride: 2, bias: false }, [3, 4, 5, 3]],
    [{ name: 'c', inC: 2, outC: 2, kernel: [3, 2], pad: [1, 0] }, [2, 4, 5, 2]],
  ];
  for (const [o, shape] of cases) {
    it(`forward and gradients: ${JSON.stringify(o)} on [${shape}]`, () => {
      const rng = new Rng(3);
      const conv = new Conv2d({ k: kernels, rng }, o);
      checkLayer(conv, input(rng, shape), convRef(o, shape), 'conv2d');
    });
  }

  it('names its params, caches exactly its input in training and nothing in eval', () => {
    const rng = new Rng(4);
    const conv = new Conv2d({ k: kernels, rng }, { name: 'layer1.0.conv1', inC: 3, outC: 4, kernel: 3, pad: 1 });
    assert.deepEqual(
      conv.params().map((p) => [p.name, p.role, p.shape]),
      [
        ['layer1.0.conv1.weight', 'weight', [4, 3, 3, 3]],
        ['layer1.0.conv1.bias', 'bias', [4]],
      ],
    );
    const x = input(rng, [2, 5, 5, 3]);
    assert.deepEqual(conv.outputShape(x.shape), [2, 5, 5, 4]);
    conv.forward(x, ctxOf(false));
    assert.equal(conv.cachedFloats(), 0);
    assert.throws(() => conv.backward(input(rng, [2, 5, 5, 4]), ctxOf(true)), { code: 'E_ARG' });
    conv.forward(x, ctxOf(true));
    assert.equal(conv.cachedFloats(), x.data.length);
    conv.releaseCache();
    assert.equal(conv.cachedFloats(), 0);
    assert.throws(() => conv.forward(input(rng, [2, 5, 5, 2]), ctxOf(true)), { code: 'E_SHAPE' });
  });
});

describe('Linear', () => {
  it('forward and gradients on [rows, inF]', () => {
    const rng = new Rng(5);
    const fc = new Linear({ k: kernels, rng }, { name: 'fc', inF: 6, outF: 3 });
    checkLayer(fc, input(rng, [4, 6]), (x, [w, b]) => linear64(x, w!, b!, 4, 6, 3), 'linear');
  });

  it('takes any [rows, …] whose row holds inF values, and gives dx back in that shape', () => {
    const rng = new Rng(6);
    const fc = new Linear({ k: kernels, rng }, { name: 'fc', inF: 12, outF: 5, bias: false });
    assert.equal(fc.params().length, 1);
    checkLayer(fc, input(rng, [3, 2, 2, 3]), (x, [w]) => linear64(x, w!, null, 3, 12, 5), 'linear (image input)');
  });

  it('accumulates parameter gradients across backward calls', () => {
    const rng = new Rng(7);
    const fc = new Linear({ k: kernels, rng }, { name: 'fc', inF: 4, outF: 2 });
    const x = input(rng, [3, 4]);
    const dy = input(rng, [3, 2]);
    const ctx = ctxOf(true);
    const once = (): void => {
      fc.forward(x, ctx);
      fc.backward(dy, ctx);
    };
    once();
    const first = fc.params().map((p) => kernels.toHost(p.grad).slice());
    once();
    fc.params().forEach((p, i) =>
      assertClose(
        kernels.toHost(p.grad),
        first[i]!.map((v) => 2 * v),
        { rtol: 1e-6 },
        `${p.name} accumulated`,
      ),
    );
  });
});

describe('BatchNorm', () => {
  it('BN1d [rows, C]: forward and gradients with batch statistics', () => {
    const rng = new Rng(8);
    const bn = new BatchNorm({ k: kernels }, { name: 'bn', channels: 4 });
    for (const [i, v] of randn(rng, 4).entries()) {
      bn.weight.value[i] = 1 + 0.5 * v;
      bn.bias.value[i] = v;
    }
    checkLayer(bn, input(rng, [6, 4], 2), bnRef(6, 4), 'bn1d');
  });

  it('BN2d [rows, H, W, C]: statistics over rows·H·W', () => {
    const rng = new Rng(9);
    const bn = new BatchNorm({ k: kernels }, { name: 'bn', channels: 5, eps: 1e-3 });
    for (const [i, v] of randn(rng, 5).entries()) {
      bn.weight.value[i] = 1 + 0.5 * v;
      bn.bias.value[i] = v;
    }
    checkLayer(bn, input(rng, [4, 3, 3, 5], 3), bnRef(4 * 3 * 3, 5, 1e-3), 'bn2d');
  });

  it("updates running stats by PyTorch's formula (unbiased variance) and uses them in eval", () => {
    const rng = new Rng(10);
    const C = 3;
    const rows = 8;
    const momentum = 0.3;
    const bn = new BatchNorm({ k: kernels }, { name: 'head.bn', channels: C, momentum });
    assert.deepEqual(
      bn.buffers().map((b) => b.name),
      ['head.bn.running_mean', 'head.bn.running_var'],
    );
    assert.deepEqual(
      bn.params().map((p) => [p.name, p.role]),
      [
        ['head.bn.weight', 'bn-weight'],
        ['head.bn.bias', 'bn-bias'],
      ],
    );
    const rm = new Float64Array(C);
    const rv = new Float64Array(C).fill(1);
    for (let step = 0; step < 3; step++) {
      const x = input(rng, [rows, C], 1 + step);
      bn.forward(x, ctxOf(true));
      bn.releaseCache();
      const { mean, variance } = batchNorm64(x.data, rows, C, [1, 1, 1], [0, 0, 0], 0);
      for (let c = 0; c < C; c++) {
        rm[c] = (1 - momentum) * rm[c]! + momentum * mean[c]!;
        rv[c] = (1 - momentum) * rv[c]! + (momentum * variance[c]! * rows) / (rows - 1);
      }
      assertClose(bn.runningMean, rm, { rtol: 1e-5 }, `running_mean after step ${step}`);
      assertClose(bn.runningVar, rv, { rtol: 1e-5 }, `running_var after step ${step}`);
    }
    // Eval: normalise with the running stats, change nothing, keep nothing (a single row is fine here).
    bn.weight.value.set([2, 1, 0.5]);
    bn.bias.value.set([0, 1, -1]);
    const x = input(rng, [1, C]);
    const y = bn.forward(x, ctxOf(false));
    const expected = Float64Array.from(
      x.data,
      (v, c) => ((v - rm[c]!) / Math.sqrt(rv[c]! + 1e-5)) * [2, 1, 0.5][c]! + [0, 1, -1][c]!,
    );
    assertClose(kernels.toHost(y.data), expected, { rtol: 1e-5 }, 'eval output');
    assertClose(bn.runningMean, rm, { rtol: 1e-5 }, 'running_mean unchanged by eval');
    assert.equal(bn.cachedFloats(), 0);
    assert.throws(() => bn.forward(x, ctxOf(true)), { code: 'E_SHAPE' }); // one value per channel in training
  });

  it('pools statistics over all T·B rows: a [T·B] batch is normalised as one batch, not per step', () => {
    const rng = new Rng(11);
    const T = 4;
    const B = 3;
    const C = 2;
    // Each time step gets its own offset, so per-step statistics would differ visibly from pooled ones.
    const steps = Array.from({ length: T }, (_, t) => randn(rng, B * C).map((v) => v + 3 * t));
    const x = new Float32Array(T * B * C);
    steps.forEach((s, t) => x.set(s, t * B * C));
    const bn = new BatchNorm({ k: kernels }, { name: 'bn', channels: C });
    const y = bn.forward(tensor([T * B, C], x), ctxOf(true, 0, T, B));
    const pooled = batchNorm64(x, T * B, C, [1, 1], [0, 0], 1e-5);
    assertClose(kernels.toHost(y.data), pooled.y, { rtol: 1e-4 }, 'pooled normalisation');
    assertClose(
      bn.runningMean,
      pooled.mean.map((m) => 0.1 * m),
      { rtol: 1e-5 },
      'one running mean from all steps',
    );
    const perStep = batchNorm64(steps[0]!, B, C, [1, 1], [0, 0], 1e-5).y;
    assert.ok(Math.abs(y.data[0]! - perStep[0]!) > 0.1, 'per-step statistics would give a different output');
    // The same rows as a BN2d input [T·B, H, W, C] give the same answer as [T·B·H·W, C].
    const img = input(rng, [T * B, 2, 3, C]);
    const a = new BatchNorm({ k: kernels }, { name: 'a', channels: C }).forward(img, ctxOf(true));
    const b = new BatchNorm({ k: kernels }, { name: 'b', channels: C }).forward(
      tensor([T * B * 6, C], img.data),
      ctxOf(true),
    );
    assert.deepEqual(kernels.toHost(a.data), kernels.toHost(b.data));
  });
});

describe('AvgPool2d and Flatten', () => {
  for (const [o, shape] of [
    [{ kernel: 2 }, [2, 4, 4, 3]],
    [{ kernel: 3, stride: 2, pad: 1 }, [1, 5, 6, 2]],
    [{ kernel: 4 }, [2, 4, 4, 1]],
  ] as const) {
    it(`avgpool forward and gradient: ${JSON.stringify(o)} on [${shape}]`, () => {
      const rng = new Rng(12);
      const pool = new AvgPool2d(o);
      const d = dimsFor([...shape], o.kernel, 'stride' in o ? o.stride : o.kernel, 'pad' in o ? o.pad : 0);
      const { oh, ow } = outDims(d);
      assert.deepEqual(pool.outputShape(shape), [shape[0], oh, ow, shape[3]]);
      checkLayer(pool, input(rng, [...shape]), (x) => avgPool64(x, d), 'avgpool');
    });
  }

  it('flatten reshapes [rows, H, W, C] to [rows, H·W·C] without copying, and back', () => {
    const rng = new Rng(13);
    const flat = new Flatten();
    const x = input(rng, [2, 3, 2, 4]);
    const y = flat.forward(x, ctxOf(true));
    assert.deepEqual(y.shape, [2, 24]);
    assert.equal(y.data, x.data);
    const dy = input(rng, [2, 24]);
    const dx = flat.backward(dy, ctxOf(true));
    assert.deepEqual(dx.shape, [2, 3, 2, 4]);
    assert.equal(dx.data, dy.data);
  });
});

describe('Dropout', () => {
  const ones = (rows: number, n: number): Tensor => tensor([rows, n], new Float32Array(rows * n).fill(1));

  it('is the identity in eval and for p = 0, and draws nothing then', () => {
    const x = ones(4, 5);
    for (const [p, training] of [
      [0.5, false],
      [0, true],
    ] as const) {
      const ctx = ctxOf(training, 1);
      const before = ctx.rng.getState();
      const y = new Dropout({ p }).forward(x, ctx);
      assert.deepEqual(y.data, x.data);
      assert.deepEqual(ctx.rng.getState(), before);
    }
  });

  it('keeps about 1 − p of the elements, scaled by 1/(1 − p); backward multiplies by the same mask', () => {
    const p = 0.3;
    const drop = new Dropout({ p });
    const ctx = ctxOf(true, 2);
    const rng = new Rng(14);
    const x = input(rng, [40, 500]);
    const y = drop.forward(x, ctx);
    assert.equal(drop.cachedFloats(), x.data.length);
    let kept = 0;
    kernels.toHost(y.data).forEach((v, i) => {
      if (v !== 0) {
        kept++;
        assertClose([v], [x.data[i]! / (1 - p)], { rtol: 1e-6 }, 'kept value');
      }
    });
    assert.ok(Math.abs(kept / x.data.length - (1 - p)) < 0.01, `kept fraction ${kept / x.data.length}`);
    // y is linear in x with the mask as its diagonal, so dL/dx = dy · y/x.
    const dy = input(rng, [40, 500]);
    const dx = drop.backward(dy, ctx);
    assertClose(
      kernels.toHost(dx.data),
      Float64Array.from(dy.data, (g, i) => (g * y.data[i]!) / x.data[i]!),
      { rtol: 1e-5 },
      'dropout dx',
    );
    assert.equal(drop.cachedFloats(), 0);
  });

  it('draws a different mask for every time step, and the same masks for the same seed', () => {
    const T = 4;
    const B = 2;
    const n = 64;
    const masks = (seed: number): Float32Array =>
      kernels.toHost(new Dropout({ p: 0.5 }).forward(ones(T * B, n), ctxOf(true, seed, T, B)).data);
    const m = masks(7);
    const block = (t: number): string => m.subarray(t * B * n, (t + 1) * B * n).join(',');
    for (let t = 1; t < T; t++) assert.notEqual(block(t), block(0), `step ${t} reuses step 0's mask`);
    assert.notEqual(m.subarray(0, n).join(','), m.subarray(n, 2 * n).join(','), 'rows within a step differ');
    assert.deepEqual(masks(7), m);
    assert.notDeepEqual(masks(8), m);
  });
});

describe('containers', () => {
  it('Sequential: conv → BN → pool → flatten → linear, every gradient by central differences', () => {
    const rng = new Rng(15);
    const init = { k: kernels, rng };
    const shape = [2, 4, 4, 3];
    const convOpts = { name: 'f.0', inC: 3, outC: 4, kernel: 3, pad: 1 } as const;
    const net = new Sequential([
      new Conv2d(init, convOpts),
      new BatchNorm(init, { name: 'f.1', channels: 4 }),
      new AvgPool2d({ kernel: 2 }),
      new Flatten(),
      new Linear(init, { name: 'fc', inF: 16, outF: 3 }),
    ]);
    assert.deepEqual(
      net.params().map((p) => p.name),
      ['f.0.weight', 'f.0.bias', 'f.1.weight', 'f.1.bias', 'fc.weight', 'fc.bias'],
    );
    assert.deepEqual(
      net.buffers().map((b) => b.name),
      ['f.1.running_mean', 'f.1.running_var'],
    );
    assert.deepEqual(net.outputShape(shape, { T: 1, batch: 2 }), [2, 3]);
    const conv = convRef(convOpts, shape);
    const pool = dimsFor([2, 4, 4, 4], 2, 2, 0);
    const ref: Ref = (x, [w0, b0, g1, b1, w4, b4]) => {
      const h = batchNorm64(conv(x, [w0!, b0!]), 32, 4, g1!, b1!, 1e-5).y;
      return linear64(avgPool64(h, pool), w4!, b4!, 2, 16, 3);
    };
    checkLayer(net, input(rng, shape), ref, 'sequential');
    net.forward(input(rng, shape), ctxOf(true));
    assert.ok(net.cachedFloats() > 0);
    net.releaseCache();
    assert.equal(net.cachedFloats(), 0);
  });

  it('Residual with the identity shortcut: y = main(x) + x', () => {
    const rng = new Rng(16);
    const init = { k: kernels, rng };
    const shape = [2, 4, 4, 3];
    const c1 = { name: 'b.conv1', inC: 3, outC: 3, kernel: 3, pad: 1 } as const;
    const c2 = { name: 'b.conv2', inC: 3, outC: 3, kernel: 3, pad: 1 } as const;
    const main = new Sequential([
      new Conv2d(init, c1),
      new BatchNorm(init, { name: 'b.bn2', channels: 3 }),
      new Conv2d(init, c2),
    ]);
    const block = new Residual({ main, shortcut: null });
    const ref: Ref = (x, [w1, b1, g, be, w2, b2]) => {
      const h = batchNorm64(convRef(c1, shape)(x, [w1!, b1!]), 32, 3, g!, be!, 1e-5).y;
      return convRef(c2, shape)(h, [w2!, b2!]).map((v, i) => v + x[i]!);
    };
    checkLayer(block, input(rng, shape), ref, 'residual (identity)');
  });

  it('Residual with a strided 1×1 projection shortcut', () => {
    const rng = new Rng(17);
    const init = { k: kernels, rng };
    const shape = [2, 5, 5, 2];
    const c1 = { name: 'b.conv1', inC: 2, outC: 4, kernel: 3, stride: 2, pad: 1 } as const;
    const c2 = { name: 'b.conv2', inC: 4, outC: 4, kernel: 3, pad: 1 } as const;
    const sc = { name: 'b.shortcut', inC: 2, outC: 4, kernel: 1, stride: 2 } as const;
    const main = new Sequential([new Conv2d(init, c1), new Conv2d(init, c2)]);
    const block = new Residual({ main, shortcut: new Conv2d(init, sc) });
    assert.deepEqual(
      block.params().map((p) => p.name),
      ['b.conv1.weight', 'b.conv1.bias', 'b.conv2.weight', 'b.conv2.bias', 'b.shortcut.weight', 'b.shortcut.bias'],
    );
    const ref: Ref = (x, [w1, b1, w2, b2, ws, bs]) => {
      const m = convRef(c2, [2, 3, 3, 4])(convRef(c1, shape)(x, [w1!, b1!]), [w2!, b2!]);
      const s = convRef(sc, shape)(x, [ws!, bs!]);
      return m.map((v, i) => v + s[i]!);
    };
    checkLayer(block, input(rng, shape), ref, 'residual (projection)');
    const bad = new Residual({ main, shortcut: null });
    assert.throws(() => bad.forward(input(rng, shape), ctxOf(false)), { code: 'E_SHAPE' });
  });
});

describe('init', () => {
  const stats = (a: Float32Array): { mean: number; std: number; maxAbs: number } => {
    let s = 0;
    let q = 0;
    let maxAbs = 0;
    for (const v of a) {
      s += v;
      q += v * v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    const mean = s / a.length;
    return { mean, std: Math.sqrt(q / a.length - mean * mean), maxAbs };
  };

  it('Conv2d: kaiming normal fan_out (std √(2/(outC·k²))) and PyTorch default bias bounds', () => {
    // inC ≠ outC, so fan_in and fan_out would give different stds.
    const conv = new Conv2d({ k: kernels, rng: new Rng(18) }, { name: 'c', inC: 32, outC: 64, kernel: 3 });
    const w = stats(conv.weight.value);
    const std = Math.sqrt(2 / (64 * 9));
    assert.ok(Math.abs(w.std / std - 1) < 0.03, `weight std ${w.std} vs ${std}`);
    assert.ok(Math.abs(w.mean) < 0.03 * std, `weight mean ${w.mean}`);
    const bound = 1 / Math.sqrt(32 * 9);
    const b = stats(conv.bias!.value);
    assert.ok(b.maxAbs <= bound && b.maxAbs > 0.9 * bound, `bias within ±${bound}: ${b.maxAbs}`);
    const zero = new Conv2d(
      { k: kernels, rng: new Rng(18) },
      { name: 'c', inC: 2, outC: 3, kernel: 3, biasInit: 'zero' },
    );
    assert.ok(zero.bias!.value.every((v) => v === 0));
    const again = new Conv2d({ k: kernels, rng: new Rng(18) }, { name: 'c', inC: 32, outC: 64, kernel: 3 });
    assert.deepEqual(again.weight.value, conv.weight.value, 'same seed, same weights');
  });

  it('Linear: default U(±1/√in), N(0, std²) on request, zero bias on request', () => {
    const inF = 512;
    const fc = new Linear({ k: kernels, rng: new Rng(19) }, { name: 'fc', inF, outF: 100 });
    const bound = 1 / Math.sqrt(inF);
    const w = stats(fc.weight.value);
    assert.ok(w.maxAbs <= bound && w.maxAbs > 0.99 * bound);
    assert.ok(Math.abs(w.std / (bound / Math.sqrt(3)) - 1) < 0.03, `uniform std ${w.std}`);
    assert.ok(stats(fc.bias!.value).maxAbs <= bound);
    const vgg = new Linear(
      { k: kernels, rng: new Rng(19) },
      { name: 'fc', inF, outF: 100, weightInit: { normalStd: 0.01 }, biasInit: 'zero' },
    );
    assert.ok(Math.abs(stats(vgg.weight.value).std / 0.01 - 1) < 0.03);
    assert.ok(vgg.bias!.value.every((v) => v === 0));
  });
});

describe('the gradient check itself', () => {
  it('rejects wrong gradients: BN without the mean/variance paths, and one entry 2 % off', () => {
    const rng = new Rng(20);
    const rows = 6;
    const C = 3;
    const bn = new BatchNorm({ k: kernels }, { name: 'bn', channels: C });
    const x = input(rng, [rows, C], 2);
    const ctx = ctxOf(true);
    bn.forward(x, ctx);
    const dy = randn(rng, rows * C);
    const dx = kernels.toHost(bn.backward(tensor([rows, C], dy), ctx).data);
    const x64 = f64(x.data);
    const numeric = centralDiff(() => dot(dy, batchNorm64(x64, rows, C, [1, 1, 1], [0, 0, 0], 1e-5).y), x64);
    assert.ok(gradientAgrees(dx, numeric), 'the right gradient passes');
    // The classic mistake: treat the batch statistics as constants, dx = gamma·invStd·dy.
    const { variance } = batchNorm64(x.data, rows, C, [1, 1, 1], [0, 0, 0], 0);
    const naive = Float64Array.from(dy, (g, i) => g / Math.sqrt(variance[i % C]! + 1e-5));
    assert.ok(!gradientAgrees(naive, numeric), 'the gradient without the statistics paths fails');
    const nudged = Float64Array.from(dx);
    nudged[4]! *= 1.02;
    assert.ok(!gradientAgrees(nudged, numeric), 'one entry 2 % off fails');
  });
});
