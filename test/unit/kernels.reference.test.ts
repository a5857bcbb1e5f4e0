/**
 * The reference kernels against independent float64 implementations (test/ref64.ts) on seeded random
 * shapes; the backward kernels against central differences of the float64 forward.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convGeometry, poolGeometry } from '../../src/kernels/geometry.js';
import type { ConvGeometry, ElementwiseAttrs } from '../../src/kernels/kernels.js';
import { batchNormApply, batchNormBackward, batchNormStats } from '../../src/kernels/reference/batchnorm.js';
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from '../../src/kernels/reference/conv.js';
import * as ew from '../../src/kernels/reference/elementwise.js';
import { gemm } from '../../src/kernels/reference/gemm.js';
import { softmaxCrossEntropy } from '../../src/kernels/reference/loss.js';
import { adamStep, sgdStep } from '../../src/kernels/reference/optim.js';
import { avgPool2dBackward, avgPool2dForward } from '../../src/kernels/reference/pool.js';
import { transpose } from '../../src/kernels/reference/transpose.js';
import { Rng } from '../../src/rng.js';
import { assertClose, assertGrad, centralDiff, dot, f64, randn } from '../support/gradcheck.js';
import { avgPool64, batchNorm64, type ConvDims, conv64 } from '../support/ref64.js';

const FWD = { rtol: 1e-5 }; // float32 output of a float64-accumulated kernel vs float64
/** Conv and pooling are linear, so central differences of the float64 forward are exact up to round-off. */
const LINEAR_GRAD = { rtol: 1e-5 };

function dimsOf(g: ConvGeometry): ConvDims {
  return {
    n: g.batch,
    h: g.inH,
    w: g.inW,
    c: g.inC,
    kh: g.kH,
    kw: g.kW,
    sh: g.strideH,
    sw: g.strideW,
    ph: g.padH,
    pw: g.padW,
  };
}

/** Fixed edge cases plus seeded random ones: batch 1, odd and non-square sizes, stride 2, padding, 1×1. */
function convCases(): ConvGeometry[] {
  const fixed = [
    convGeometry({ batch: 1, inH: 5, inW: 5, inC: 3, outC: 4, kH: 3, pad: 1 }),
    convGeometry({ batch: 2, inH: 7, inW: 6, inC: 2, outC: 3, kH: 3, stride: 2, pad: 1 }),
    convGeometry({ batch: 3, inH: 4, inW: 4, inC: 5, outC: 2, kH: 1 }),
    convGeometry({ batch: 2, inH: 6, inW: 5, inC: 3, outC: 4, kH: 1, stride: 2 }),
    convGeometry({ batch: 1, inH: 8, inW: 5, inC: 2, outC: 2, kH: 3, kW: 2, stride: [2, 1], pad: [1, 0] }),
    convGeometry({ batch: 2, inH: 5, inW: 7, inC: 1, outC: 1, kH: 5, pad: 2 }),
  ];
  const rng = new Rng(11);
  const random: ConvGeometry[] = [];
  while (random.length < 6) {
    const k = 1 + rng.int(3);
    const spec = {
      batch: 1 + rng.int(3),
      inH: 1 + rng.int(7),
      inW: 1 + rng.int(7),
      inC: 1 + rng.int(4),
      outC: 1 + rng.int(4),
      kH: k,
      stride: 1 + rng.int(2),
      pad: rng.int(k),
    };
    if (spec.inH + 2 * spec.pad >= k && spec.inW + 2 * spec.pad >= k) random.push(convGeometry(spec));
  }
  return [...fixed, ...random];
}

const label = (g: ConvGeometry): string =>
  `${g.batch}×${g.inH}×${g.inW}×${g.inC}→${g.outC} k${g.kH}×${g.kW} s${g.strideH}×${g.strideW} p${g.padH}×${g.padW}`;

describe('reference gemm', () => {
  it('matches a float64 product for every transpose combination, alpha and accumulation', () => {
    const rng = new Rng(1);
    for (const [m, n, k] of [
      [1, 1, 1],
      [3, 5, 7],
      [6, 2, 9],
      [4, 4, 1],
    ] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const [alpha, accumulate] of [
            [1, false],
            [0.5, true],
            [-2, true],
          ] as const) {
            const a = randn(rng, m * k);
            const b = randn(rng, k * n);
            const c = randn(rng, m * n);
            const expected = new Float64Array(m * n);
            for (let i = 0; i < m; i++) {
              for (let j = 0; j < n; j++) {
                let s = 0;
                // op(A)[i][p] and op(B)[p][j], read from the stored layouts
                for (let p = 0; p < k; p++)
                  s += (transA ? a[p * m + i]! : a[i * k + p]!) * (transB ? b[j * k + p]! : b[p * n + j]!);
                expected[i * n + j] = alpha * s + (accumulate ? c[i * n + j]! : 0);
              }
            }
            gemm(a, b, c, { m, n, k, transA, transB, alpha, accumulate });
            assertClose(c, expected, FWD, `gemm ${m}×${n}×${k} tA=${transA} tB=${transB} α=${alpha} acc=${accumulate}`);
          }
        }
      }
    }
  });

  it('ignores whatever C held when not accumulating', () => {
    const c = new Float32Array([NaN, Infinity]);
    gemm(new Float32Array([1, 2]), new Float32Array([3, 4]), c, { m: 2, n: 1, k: 1, transA: false, transB: false });
    assert.deepEqual([...c], [3, 6]);
  });
});

describe('reference conv2d', () => {
  for (const g of convCases()) {
    it(`forward and both backwards: ${label(g)}`, () => {
      const rng = new Rng(g.batch * 1000 + g.inH * 100 + g.inW * 10 + g.inC);
      const d = dimsOf(g);
      const x = randn(rng, g.batch * g.inH * g.inW * g.inC);
      const w = randn(rng, g.outC * g.kH * g.kW * g.inC);
      const bias = randn(rng, g.outC);
      const ySize = g.batch * g.outH * g.outW * g.outC;
      const y = new Float32Array(ySize);
      conv2dForward(x, w, bias, y, g);
      assertClose(y, conv64(x, w, bias, d, g.outC), FWD, 'conv forward');
      conv2dForward(x, w, null, y, g);
      assertClose(y, conv64(x, w, null, d, g.outC), FWD, 'conv forward without bias');

      // L = Σ dy · conv64(x, w, b): its gradients are what the backward kernels compute for this dy.
      const dy = randn(rng, ySize);
      const x64 = f64(x);
      const w64 = f64(w);
      const b64 = f64(bias);
      const loss = (): number => dot(dy, conv64(x64, w64, b64, d, g.outC));
      const dx = new Float32Array(x.length).fill(NaN); // overwritten, never read
      conv2dBackwardInput(dy, w, dx, g);
      assertClose(dx, centralDiff(loss, x64, 1e-2), LINEAR_GRAD, 'conv dx gradient');

      const dw = new Float32Array(w.length);
      const db = new Float32Array(g.outC);
      conv2dBackwardFilter(x, dy, dw, db, g);
      const numW = centralDiff(loss, w64, 1e-2);
      const numB = centralDiff(loss, b64, 1e-2);
      assertClose(dw, numW, LINEAR_GRAD, 'conv dw gradient');
      assertClose(db, numB, LINEAR_GRAD, 'conv dbias gradient');
      // accumulate adds a second copy; without it the old value is overwritten.
      conv2dBackwardFilter(x, dy, dw, db, { ...g, accumulate: true });
      assertClose(
        dw,
        numW.map((v) => 2 * v),
        LINEAR_GRAD,
        'conv dw accumulated gradient',
      );
      assertClose(
        db,
        numB.map((v) => 2 * v),
        LINEAR_GRAD,
        'conv dbias accumulated gradient',
      );
      conv2dBackwardFilter(x, dy, dw, null, g);
      assertClose(dw, numW, LINEAR_GRAD, 'conv dw overwritten gradient');
    });
  }
});

describe('reference avgPool2d', () => {
  const cases = [
    poolGeometry(2, 4, 4, 3, 2),
    poolGeometry(1, 5, 5, 2, 2), // odd size: the last row and column fall outside every window
    poolGeometry(2, 7, 6, 3, 3, 2, 1),
    poolGeometry(1, 4, 4, 5, 4), // a global average, as AvgPool2d(4) on CIFAR's last stage
    poolGeometry(3, 5, 3, 1, 3, 1, 1),
    poolGeometry(1, 6, 9, 2, 3, 3, 0),
  ];
  for (const g of cases) {
    it(`forward and backward: ${label(g)}`, () => {
      const rng = new Rng(g.inH * 31 + g.inW);
      const d = dimsOf(g);
      const x = randn(rng, g.batch * g.inH * g.inW * g.inC);
      const y = new Float32Array(g.batch * g.outH * g.outW * g.outC);
      avgPool2dForward(x, y, g);
      assertClose(y, avgPool64(x, d), FWD, 'pool forward');
      const dy = randn(rng, y.length);
      const dx = new Float32Array(x.length).fill(NaN);
      avgPool2dBackward(dy, dx, g);
      const x64 = f64(x);
      assertClose(
        dx,
        centralDiff(() => dot(dy, avgPool64(x64, d)), x64, 1e-2),
        LINEAR_GRAD,
        'pool dx gradient',
      );
    });
  }

  it('counts padding as zeros in the average', () => {
    const g = poolGeometry(1, 1, 1, 1, 3, 1, 1); // one pixel in the middle of a 3×3 window
    const y = new Float32Array(1);
    avgPool2dForward(new Float32Array([9]), y, g);
    assert.equal(y[0], 1);
  });
});

describe('reference batch-norm', () => {
  for (const [rows, C] of [
    [3, 1],
    [7, 3],
    [64, 5],
    [33, 16],
  ] as const) {
    it(`stats, apply and the training backward over [${rows}, ${C}]`, () => {
      const rng = new Rng(rows * 17 + C);
      const eps = 1e-5;
      const x = randn(rng, rows * C, 2);
      for (let i = 0; i < x.length; i++) x[i] = x[i]! + (i % C) - 1; // a different mean per channel
      const gamma = randn(rng, C);
      const beta = randn(rng, C);
      const attrs = { rows, channels: C };
      const ref = batchNorm64(x, rows, C, gamma, beta, eps);
      const mean = new Float32Array(C);
      const variance = new Float32Array(C);
      batchNormStats(x, mean, variance, attrs);
      assertClose(mean, ref.mean, { rtol: 1e-5, atol: 1e-6 }, 'mean');
      assertClose(variance, ref.variance, FWD, 'variance');
      const invStd = variance.map((v) => 1 / Math.sqrt(v + eps));
      const y = new Float32Array(rows * C);
      batchNormApply(x, y, mean, invStd, gamma, beta, attrs);
      assertClose(y, ref.y, { rtol: 1e-4 }, 'bn apply');

      const dy = randn(rng, rows * C);
      const x64 = f64(x);
      const g64 = f64(gamma);
      const b64 = f64(beta);
      const loss = (): number => dot(dy, batchNorm64(x64, rows, C, g64, b64, eps).y);
      const dx = new Float32Array(rows * C).fill(NaN);
      const dgamma = new Float32Array(C);
      const dbeta = new Float32Array(C);
      batchNormBackward(x, dy, mean, invStd, gamma, dx, dgamma, dbeta, attrs);
      assertGrad(dx, centralDiff(loss, x64), 'bn dx');
      const numG = centralDiff(loss, g64);
      const numB = centralDiff(loss, b64);
      assertGrad(dgamma, numG, 'bn dgamma');
      assertGrad(dbeta, numB, 'bn dbeta');
      batchNormBackward(x, dy, mean, invStd, gamma, dx, dgamma, dbeta, { ...attrs, accumulate: true });
      assertGrad(
        dgamma,
        numG.map((v) => 2 * v),
        'bn dgamma accumulated',
      );
      assertGrad(
        dbeta,
        numB.map((v) => 2 * v),
        'bn dbeta accumulated',
      );
    });
  }
});

describe('reference elementwise and reductions', () => {
  const rng = new Rng(5);
  const n = 37;
  const a = randn(rng, n);
  const b = randn(rng, n);
  const each = (fn: (i: number) => number): Float64Array => Float64Array.from({ length: n }, (_, i) => fn(i));
  const run = (
    inputs: Float32Array[],
    attrs: ElementwiseAttrs,
    start: Float32Array = new Float32Array(n),
  ): Float32Array => {
    const out = start.slice();
    ew.elementwise(inputs, out, attrs);
    return out;
  };

  it('each op matches its definition, and with accumulate adds into out', () => {
    const cases: [ElementwiseAttrs, Float32Array[], (i: number) => number][] = [
      [{ op: 'fill', value: 3 }, [], () => 3],
      [{ op: 'copy' }, [a], (i) => a[i]!],
      [{ op: 'scale', alpha: -1.5 }, [a], (i) => -1.5 * a[i]!],
      [{ op: 'clamp', lo: -0.5, hi: 0.25 }, [a], (i) => Math.min(Math.max(a[i]!, -0.5), 0.25)],
      [{ op: 'add' }, [a, b], (i) => a[i]! + b[i]!],
      [{ op: 'mul' }, [a, b], (i) => a[i]! * b[i]!],
    ];
    for (const [attrs, inputs, value] of cases) {
      assertClose(run(inputs, attrs, new Float32Array(n).fill(NaN)), each(value), FWD, attrs.op);
      assertClose(
        run(inputs, { ...attrs, accumulate: true }, b),
        each((i) => b[i]! + value(i)),
        FWD,
        `${attrs.op} accumulated`,
      );
    }
  });

  it('the last input repeats over out: a row added to every row, one step replicated over time', () => {
    const rows = 5;
    const x = randn(rng, rows * n);
    const row = (i: number): number => b[i % n]!;
    assertClose(
      run([x, b], { op: 'add' }, new Float32Array(rows * n)),
      Float64Array.from(x, (v, i) => v + row(i)),
      FWD,
      'add a row',
    );
    assertClose(
      run([x, b], { op: 'mul' }, new Float32Array(rows * n)),
      Float64Array.from(x, (v, i) => v * row(i)),
      FWD,
      'mul a row',
    );
    const replicated = run([b], { op: 'scale', alpha: 0.5 }, new Float32Array(rows * n));
    assertClose(
      replicated,
      Float64Array.from({ length: rows * n }, (_, i) => 0.5 * row(i)),
      FWD,
      'scale replicated',
    );
    assert.throws(() => ew.elementwise([x, b.subarray(0, 6)], new Float32Array(rows * n), { op: 'add' }), {
      code: 'E_SHAPE',
    });
    assert.throws(() => ew.elementwise([a], new Float32Array(n), { op: 'add' }), /expected 2 input\(s\), got 1/);
  });

  it('scaleRows scales each row by its own factor, and with accumulate adds into out', () => {
    const rows = 5;
    const x = randn(rng, rows * n);
    const s = Float32Array.of(2, -0.5, 0, 1.25, 3);
    const scaled = (v: number, i: number): number => s[Math.floor(i / n)]! * v;
    assertClose(
      run([x, s], { op: 'scaleRows' }, new Float32Array(rows * n).fill(NaN)),
      Float64Array.from(x, scaled),
      FWD,
      'scaleRows',
    );
    const start = randn(rng, rows * n);
    assertClose(
      run([x, s], { op: 'scaleRows', accumulate: true }, start),
      Float64Array.from(x, (v, i) => start[i]! + scaled(v, i)),
      FWD,
      'scaleRows accumulated',
    );
    // the same bits as one accumulated 'scale' per row, the loop it replaces
    const perRow = start.slice();
    for (let r = 0; r < rows; r++) {
      const part = (v: Float32Array): Float32Array => v.subarray(r * n, (r + 1) * n);
      ew.elementwise([part(x)], part(perRow), { op: 'scale', alpha: s[r]!, accumulate: true });
    }
    assert.deepEqual(run([x, s], { op: 'scaleRows', accumulate: true }, start), perRow);
    assert.throws(() => ew.elementwise([x, Float32Array.of(1, 2)], new Float32Array(rows * n), { op: 'scaleRows' }), {
      code: 'E_SHAPE',
    });
  });

  it('out may be one of the inputs', () => {
    const inPlace = a.slice();
    ew.elementwise([inPlace, b], inPlace, { op: 'add' });
    assertClose(
      inPlace,
      each((i) => a[i]! + b[i]!),
      FWD,
      'add in place',
    );
    const scaled = a.slice();
    ew.elementwise([scaled], scaled, { op: 'scale', alpha: 2, accumulate: true });
    assertClose(
      scaled,
      each((i) => 3 * a[i]!),
      FWD,
      'accumulate onto itself',
    );
  });

  it('reduce sums in float64 and counts non-zeros, NaN included', () => {
    assertClose([ew.reduce(a, { op: 'sum' })], [[...a].reduce((s, v) => s + v, 0)], { rtol: 1e-12 }, 'sum');
    const x = new Float32Array(1 << 20).fill(0.1);
    // A float32 running sum of 2^20 copies of 0.1 drifts by more than 1e-3 relative.
    assertClose([ew.reduce(x, { op: 'sum' })], [(1 << 20) * Math.fround(0.1)], { rtol: 1e-9 }, 'sum');
    assert.equal(ew.reduce(Float32Array.of(1, 0, NaN, -2, -0), { op: 'countNonzero' }), 3);
    assert.equal(ew.reduce(new Float32Array(0), { op: 'countNonzero' }), 0);
  });

  it('sumRows sums each column, with per-row weights and accumulation', () => {
    const rows = 9;
    const cols = 4;
    const x = randn(rng, rows * cols);
    const weights = Float64Array.from({ length: rows }, () => rng.uniform());
    const columns = (w: (r: number) => number): Float64Array =>
      Float64Array.from({ length: cols }, (_, j) => {
        let s = 0;
        for (let r = 0; r < rows; r++) s += w(r) * x[r * cols + j]!;
        return s;
      });
    const expected = columns(() => 1);
    const out = new Float32Array(cols).fill(7);
    ew.sumRows(x, out, { rows, cols });
    assertClose(out, expected, FWD, 'sumRows');
    ew.sumRows(x, out, { rows, cols, accumulate: true });
    assertClose(
      out,
      expected.map((v) => 2 * v),
      FWD,
      'sumRows accumulated',
    );
    ew.sumRows(x, out, { rows, cols, weights });
    assertClose(
      out,
      columns((r) => weights[r]!),
      FWD,
      'sumRows weighted',
    );
  });
});

describe('reference transpose', () => {
  it('writes x [rows, cols] as [cols, rows], and checks the sizes', () => {
    const x = Float32Array.of(1, 2, 3, 4, 5, 6); // [[1, 2, 3], [4, 5, 6]]
    const y = new Float32Array(6).fill(NaN);
    transpose(x, y, { rows: 2, cols: 3 });
    assert.deepEqual([...y], [1, 4, 2, 5, 3, 6]);
    const back = new Float32Array(6);
    transpose(y, back, { rows: 3, cols: 2 });
    assert.deepEqual(back, x, 'transposing twice gives x back');
    assert.throws(() => transpose(x, new Float32Array(5), { rows: 2, cols: 3 }), { code: 'E_SHAPE' });
    assert.throws(() => transpose(x, y, { rows: 3, cols: 3 }), /x and y must hold 3·3 = 9 floats, got 6 and 6/);
  });
});

describe('reference softmaxCrossEntropy', () => {
  it('loss matches −log softmax[label] and the gradient matches central differences', () => {
    const rng = new Rng(8);
    const rows = 5;
    const classes = 7;
    const logits = randn(rng, rows * classes, 3);
    const labels = Int32Array.from({ length: rows }, () => rng.int(classes));
    const naive = (z: ArrayLike<number>): number => {
      let total = 0;
      for (let r = 0; r < rows; r++) {
        let denom = 0;
        for (let j = 0; j < classes; j++) denom += Math.exp(z[r * classes + j]!);
        total -= Math.log(Math.exp(z[r * classes + labels[r]!]!) / denom);
      }
      return total / rows;
    };
    const grad = new Float32Array(rows * classes);
    const loss = softmaxCrossEntropy(logits, labels, grad, { rows, classes });
    assertClose([loss], [naive(logits)], { rtol: 1e-6 }, 'loss');
    const z64 = f64(logits);
    assertGrad(
      grad,
      centralDiff(() => naive(z64), z64),
      'cross-entropy',
    );
  });

  it('is stable for huge logits and rejects out-of-range labels', () => {
    const logits = new Float32Array([1000, -1000, 999, 0]);
    const grad = new Float32Array(4);
    // Row 0, label 1: log(e^1000 + e^-1000) + 1000 = 2000 (+ e^-2000); row 1, label 0: log(1 + e^-999) ≈ 0.
    const loss = softmaxCrossEntropy(logits, new Int32Array([1, 0]), grad, { rows: 2, classes: 2 });
    assertClose([loss], [1000], { rtol: 1e-9 }, 'loss');
    assertClose(grad, [0.5, -0.5, 0, 0], { atol: 1e-12 }, 'grad');
    assert.throws(() => softmaxCrossEntropy(logits, new Int32Array([0, 2]), grad, { rows: 2, classes: 2 }), {
      code: 'E_LABEL',
    });
  });
});

describe('reference optimiser steps', () => {
  const n = 11;
  const sgdConfigs = [
    { lr: 0.1, momentum: 0, weightDecay: 0, dampening: 0, nesterov: false },
    { lr: 0.05, momentum: 0.9, weightDecay: 5e-4, dampening: 0, nesterov: false },
    { lr: 0.02, momentum: 0.8, weightDecay: 1e-3, dampening: 0.3, nesterov: false },
    { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, dampening: 0, nesterov: true },
  ];
  for (const cfg of sgdConfigs) {
    it(`SGD follows torch.optim.SGD for 6 steps: ${JSON.stringify(cfg)}`, () => {
      const rng = new Rng(21);
      const p = randn(rng, n);
      const buf = new Float32Array(n);
      const p64 = f64(p);
      let buf64 = new Float64Array(n); // torch creates the buffer at the first step, as a copy of d
      for (let step = 1; step <= 6; step++) {
        const grad = randn(rng, n);
        sgdStep(p, grad, buf, { n, ...cfg, firstStep: step === 1 });
        const d = Float64Array.from(grad, (g, i) => g + cfg.weightDecay * p64[i]!);
        let update = d;
        if (cfg.momentum !== 0) {
          const prev = buf64;
          buf64 = step === 1 ? d.slice() : prev.map((b, i) => cfg.momentum * b + (1 - cfg.dampening) * d[i]!);
          const b64 = buf64;
          update = cfg.nesterov ? d.map((v, i) => v + cfg.momentum * b64[i]!) : b64;
        }
        for (let i = 0; i < n; i++) p64[i]! -= cfg.lr * update[i]!;
        assertClose(p, p64, { rtol: 1e-5, atol: 1e-6 }, `sgd step ${step}`);
      }
    });
  }

  for (const [weightDecay, eps] of [
    [0, 1e-8],
    [1e-2, 1e-8],
    [1e-2, 0.05],
  ] as const) {
    it(`Adam follows torch.optim.Adam for 6 steps (weight decay ${weightDecay}, eps ${eps})`, () => {
      // A large eps shows where it enters: after the bias correction of √v, not before.
      const rng = new Rng(22);
      const lr = 1e-3;
      const beta1 = 0.9;
      const beta2 = 0.999;
      const p = randn(rng, n);
      const m = new Float32Array(n);
      const v = new Float32Array(n);
      const p64 = f64(p);
      const m64 = new Float64Array(n);
      const v64 = new Float64Array(n);
      for (let step = 1; step <= 6; step++) {
        const grad = randn(rng, n);
        adamStep(p, grad, m, v, { n, lr, beta1, beta2, eps, weightDecay, step });
        for (let i = 0; i < n; i++) {
          const g = grad[i]! + weightDecay * p64[i]!;
          m64[i] = beta1 * m64[i]! + (1 - beta1) * g;
          v64[i] = beta2 * v64[i]! + (1 - beta2) * g * g;
          const mHat = m64[i]! / (1 - beta1 ** step);
          const vHat = v64[i]! / (1 - beta2 ** step);
          p64[i]! -= (lr * mHat) / (Math.sqrt(vHat) + eps);
        }
        assertClose(p, p64, { rtol: 1e-5, atol: 1e-7 }, `adam step ${step}`);
        assertClose(m, m64, { rtol: 1e-5 }, `adam m step ${step}`);
      }
    });
  }
});
