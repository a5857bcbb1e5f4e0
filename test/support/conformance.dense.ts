/**
 * One conformance suite for the dense kernels of every fast backend against the reference backend: gemm, the conv
 * passes, pooling and batch-norm on seeded random shapes (odd sizes, batch 1, strides, padding, 1×1 and non-square
 * kernels, sizes that are not multiples of a register tile, shapes large enough to be split across threads).
 * Outputs start as garbage so a kernel that forgets to overwrite fails. Tolerances: float32 sums in a different
 * order (and fused multiply-adds) differ by a few ulps per term. Used by kernels.wasm.test.ts and kernels.native.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convGeometry, linearGeometry, poolGeometry } from '../../src/kernels/geometry.js';
import type { ConvGeometry, Kernels } from '../../src/kernels/kernels.js';
import { reference as ref } from '../../src/kernels/reference/index.js';
import { Rng } from '../../src/rng.js';
import { coverageCase, type KernelMethod, recordCalls } from './conformance.coverage.js';
import { assertClose, closeness } from './gradcheck.js';
import { plain, uniform } from './kernels.wasm-setup.js';
import { DENSITIES, partialCases, sparse, sparseConvCases, transposed } from './sparse-inputs.js';

/** The contract methods this suite checks (conformance.coverage.ts). */
export const DENSE_METHODS: readonly KernelMethod[] = [
  'alloc',
  'free',
  'toHost',
  'fromHost',
  'gemm',
  'conv2dForward',
  'conv2dBackwardInput',
  'conv2dBackwardFilter',
  'conv2dSparseForward',
  'conv2dSparseBackwardFilter',
  'conv2dSparseForwardCross',
  'reduce',
  'avgPool2dForward',
  'avgPool2dBackward',
  'batchNormStats',
  'batchNormApply',
  'batchNormBackward',
  'transpose',
];

/** Relative to the largest |expected|: long float32 dot products in another order. */
export const SUMS = { rtol: 1e-4 };

export function convCases(): ConvGeometry[] {
  const fixed = [
    convGeometry({ batch: 1, inH: 5, inW: 5, inC: 3, outC: 4, kH: 3, pad: 1 }),
    convGeometry({ batch: 2, inH: 7, inW: 6, inC: 5, outC: 9, kH: 3, stride: 2, pad: 1 }),
    convGeometry({ batch: 3, inH: 4, inW: 4, inC: 8, outC: 16, kH: 1 }),
    convGeometry({ batch: 2, inH: 6, inW: 5, inC: 3, outC: 4, kH: 1, stride: 2 }), // last input row unused
    convGeometry({ batch: 1, inH: 8, inW: 5, inC: 2, outC: 2, kH: 3, kW: 2, stride: [2, 1], pad: [1, 0] }),
    convGeometry({ batch: 2, inH: 5, inW: 7, inC: 1, outC: 1, kH: 5, pad: 2 }),
    convGeometry({ batch: 1, inH: 8, inW: 7, inC: 5, outC: 3, kH: 2, stride: 3 }),
    convGeometry({ batch: 2, inH: 9, inW: 9, inC: 16, outC: 24, kH: 3, pad: 1 }),
    convGeometry({ batch: 4, inH: 21, inW: 20, inC: 12, outC: 20, kH: 3, stride: 2, pad: 1 }),
    convGeometry({ batch: 3, inH: 16, inW: 16, inC: 64, outC: 64, kH: 3, pad: 1 }), // the blocked AVX-512 paths
    convGeometry({ batch: 8, inH: 28, inW: 28, inC: 1, outC: 32, kH: 3, pad: 1 }), // K = 9: the filter split by pixels
    // K = 18, 40 output channels, stride 2: a narrow filter (wasm splits its gradient by pixels) on a partial panel
    convGeometry({ batch: 3, inH: 9, inW: 8, inC: 2, outC: 40, kH: 3, stride: 2, pad: 1 }),
    // wasm's direct narrow kernels (K ≤ 32, whole 8-channel panels): rows of 7 and 5 pixels (groups of 4 that
    // cross rows, short last groups), no padding, stride 2 on 3 channels, a 5×5 kernel
    convGeometry({ batch: 3, inH: 7, inW: 9, inC: 1, outC: 8, kH: 3 }),
    convGeometry({ batch: 2, inH: 11, inW: 10, inC: 3, outC: 16, kH: 3, stride: 2, pad: 1 }),
    convGeometry({ batch: 5, inH: 6, inW: 5, inC: 1, outC: 8, kH: 5, pad: 2 }),
  ];
  const rng = new Rng(7);
  while (fixed.length < 22) {
    const k = 1 + rng.int(3);
    const spec = {
      batch: 1 + rng.int(3),
      inH: 1 + rng.int(8),
      inW: 1 + rng.int(8),
      inC: 1 + rng.int(13),
      outC: 1 + rng.int(13),
      kH: k,
      stride: 1 + rng.int(2),
      pad: rng.int(k),
    };
    if (spec.inH + 2 * spec.pad >= k && spec.inW + 2 * spec.pad >= k) fixed.push(convGeometry(spec));
  }
  return fixed;
}

const label = (g: ConvGeometry): string =>
  `${g.batch}×${g.inH}×${g.inW}×${g.inC}→${g.outC} k${g.kH}×${g.kW} s${g.strideH}×${g.strideW} p${g.padH}×${g.padW}`;

/** Registers the suite for one backend configuration; `K` returns its kernels once the file's setup has run. */
export function denseConformance(title: string, backend: () => Kernels, skip: string | false = false): void {
  const { K, called } = recordCalls(backend);
  describe(title, { skip }, () => {
    it('gemm matches the reference for every transpose, alpha, accumulation and tile remainder', () => {
      const k = K();
      const rng = new Rng(1);
      const shapes = [
        [1, 1, 1],
        [5, 7, 3],
        [4, 8, 16],
        [33, 17, 65],
        [64, 130, 300],
        [300, 9, 20],
        [3, 2000, 200],
        [70, 70, 70],
      ];
      for (const [m, n, kk] of shapes as [number, number, number][]) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const [alpha, accumulate] of [
              [undefined, false],
              [0.5, true],
              [-1, true],
            ] as const) {
              const a = uniform(k, rng, m * kk);
              const b = uniform(k, rng, kk * n);
              const c = uniform(k, rng, m * n);
              const expected = plain(c);
              const at = { m, n, k: kk, transA, transB, alpha, accumulate };
              ref.gemm(a, b, expected, at);
              k.gemm(a, b, c, at);
              assertClose(
                c,
                expected,
                SUMS,
                `gemm ${m}×${n}×${kk} tA=${transA} tB=${transB} α=${alpha} acc=${accumulate}`,
              );
              [a, b, c].forEach((x) => k.free(x));
            }
          }
        }
      }
    });

    it('conv forward, input-gradient and filter-gradient match the reference', () => {
      const k = K();
      const rng = new Rng(2);
      for (const g of convCases()) {
        const x = uniform(k, rng, g.batch * g.inH * g.inW * g.inC);
        const w = uniform(k, rng, g.outC * g.kH * g.kW * g.inC);
        const bias = uniform(k, rng, g.outC);
        const ny = g.batch * g.outH * g.outW * g.outC;
        const y = uniform(k, rng, ny); // garbage: must be overwritten
        const yRef = new Float32Array(ny);
        for (const withBias of [true, false]) {
          k.conv2dForward(x, w, withBias ? bias : null, y, g);
          ref.conv2dForward(x, w, withBias ? bias : null, yRef, g);
          assertClose(y, yRef, SUMS, `forward ${label(g)} bias=${withBias}`);
        }
        const dy = uniform(k, rng, ny);
        const dx = uniform(k, rng, x.length); // garbage: must be overwritten
        const dxRef = new Float32Array(x.length);
        k.conv2dBackwardInput(dy, w, dx, g);
        ref.conv2dBackwardInput(dy, w, dxRef, g);
        assertClose(dx, dxRef, SUMS, `input-gradient ${label(g)}`);
        for (const accumulate of [false, true]) {
          const dw = uniform(k, rng, w.length);
          const db = uniform(k, rng, g.outC);
          const dwRef = plain(dw);
          const dbRef = plain(db);
          k.conv2dBackwardFilter(x, dy, dw, db, { ...g, accumulate });
          ref.conv2dBackwardFilter(x, dy, dwRef, dbRef, { ...g, accumulate });
          assertClose(dw, dwRef, SUMS, `filter-gradient ${label(g)} accumulate=${accumulate}`);
          assertClose(db, dbRef, SUMS, `bias-gradient ${label(g)} accumulate=${accumulate}`);
          k.conv2dBackwardFilter(x, dy, dw, null, g);
          ref.conv2dBackwardFilter(x, dy, dwRef, null, g);
          assertClose(dw, dwRef, SUMS, `filter-gradient without bias ${label(g)}`);
          [dw, db].forEach((b) => k.free(b));
        }
        [x, w, bias, y, dy, dx].forEach((b) => k.free(b));
      }
    });

    it('average pooling forward and backward match the reference', () => {
      const k = K();
      const rng = new Rng(3);
      const cases = [
        poolGeometry(2, 8, 8, 5, 2),
        poolGeometry(1, 7, 9, 8, 3, 2, 1),
        poolGeometry(3, 5, 5, 1, 3, 1, 1),
        poolGeometry(2, 4, 4, 64, 4),
        poolGeometry(8, 32, 32, 16, 2),
        poolGeometry(4, 15, 15, 12, 3, 2, 1), // threaded
        poolGeometry(3, 7, 9, 8, 2), // 2×2 halving with an unused last row and column
      ];
      for (const g of cases) {
        const x = uniform(k, rng, g.batch * g.inH * g.inW * g.inC);
        const y = k.alloc(g.batch * g.outH * g.outW * g.outC);
        const yRef = new Float32Array(y.length);
        k.avgPool2dForward(x, y, g);
        ref.avgPool2dForward(x, yRef, g);
        assertClose(y, yRef, { rtol: 1e-5 }, `pool forward ${label(g)}`);
        const dx = uniform(k, rng, x.length);
        const dxRef = new Float32Array(x.length);
        k.avgPool2dBackward(y, dx, g);
        ref.avgPool2dBackward(yRef, dxRef, g);
        assertClose(dx, dxRef, { rtol: 1e-5 }, `pool backward ${label(g)}`);
        [x, y, dx].forEach((b) => k.free(b));
      }
    });

    it('event-driven conv forwards (linear as the 1×1 case) and the non-zero count match the reference', () => {
      const k = K();
      const rng = new Rng(5);
      for (const g of sparseConvCases()) {
        const K2 = g.kH * g.kW * g.inC;
        const w = uniform(k, rng, g.outC * K2);
        const wT = transposed(k, w, g.outC, K2);
        const bias = uniform(k, rng, g.outC);
        const ny = g.batch * g.outH * g.outW * g.outC;
        for (const density of DENSITIES) {
          for (const graded of [false, true]) {
            const x = sparse(k, rng, g.batch, g.inH * g.inW * g.inC, density, graded);
            const count = ref.reduce(x, { op: 'countNonzero' });
            assert.equal(k.reduce(x, { op: 'countNonzero' }), count, `non-zero count of ${label(g)} at ${density}`);
            for (const b of [bias, null]) {
              const y = uniform(k, rng, ny); // garbage: must be overwritten
              const yRef = new Float32Array(ny);
              k.conv2dSparseForward(x, wT, b, y, g);
              ref.conv2dForward(x, w, b, yRef, g);
              assertClose(
                y,
                yRef,
                SUMS,
                `event forward ${label(g)} density ${density} graded=${graded} bias=${b !== null}`,
              );
              k.free(y);
            }
            k.free(x);
          }
        }
        [w, wT, bias].forEach((b) => k.free(b));
      }
      for (const [rows, inF, outF] of [
        [1, 1, 1],
        [7, 13, 5],
        [12, 64, 37],
        [256, 300, 70],
      ] as const) {
        const w = uniform(k, rng, outF * inF);
        const wT = transposed(k, w, outF, inF);
        const bias = uniform(k, rng, outF);
        for (const density of DENSITIES) {
          const x = sparse(k, rng, rows, inF, density, density === 0.1);
          for (const b of [bias, null]) {
            const y = uniform(k, rng, rows * outF);
            const yRef = new Float32Array(rows * outF);
            const g = linearGeometry(rows, inF, outF);
            k.conv2dSparseForward(x, wT, b, y, g);
            ref.conv2dForward(x, w, b, yRef, g);
            assertClose(
              y,
              yRef,
              SUMS,
              `event linear [${rows}, ${inF}] → ${outF} density ${density} bias=${b !== null}`,
            );
            k.free(y);
          }
          k.free(x);
        }
        [w, wT, bias].forEach((b) => k.free(b));
      }
    });

    it('event-driven filter gradients (linear as the 1×1 case) match the dense reference', () => {
      const k = K();
      const rng = new Rng(6);
      const cases = partialCases();
      for (const g of cases) {
        const nw = g.outC * g.kH * g.kW * g.inC;
        const dy = uniform(k, rng, g.batch * g.outH * g.outW * g.outC);
        for (const density of DENSITIES) {
          const x = sparse(k, rng, g.batch, g.inH * g.inW * g.inC, density, density === 0.1);
          for (const accumulate of [false, true]) {
            const dw = uniform(k, rng, nw); // garbage unless accumulating
            const dwRef = new Float32Array(dw);
            k.conv2dSparseBackwardFilter(x, dy, dw, { ...g, accumulate });
            ref.conv2dBackwardFilter(x, dy, dwRef, null, { ...g, accumulate });
            assertClose(
              dw,
              dwRef,
              SUMS,
              `event filter gradient ${label(g)} density ${density} accumulate=${accumulate}`,
            );
            k.free(dw);
          }
          k.free(x);
        }
        k.free(dy);
      }
    });

    it('event-driven forwards with their cross product (linear as the 1×1 case) match the reference', () => {
      const k = K();
      const rng = new Rng(9);
      const cases = partialCases();
      for (const g of cases) {
        const K2 = g.kH * g.kW * g.inC;
        const w = uniform(k, rng, g.outC * K2);
        const wT = transposed(k, w, g.outC, K2);
        const bias = uniform(k, rng, g.outC);
        const ny = g.batch * g.outH * g.outW * g.outC;
        for (const density of DENSITIES) {
          const x = sparse(k, rng, g.batch, g.inH * g.inW * g.inC, density, density === 0.1);
          for (const accumulate of [false, true]) {
            const y = uniform(k, rng, ny); // garbage: must be overwritten
            const cross = uniform(k, rng, g.outC * K2); // garbage unless accumulating
            const yRef = new Float32Array(ny);
            const crossRef = plain(cross);
            k.conv2dSparseForwardCross(x, wT, bias, y, cross, { ...g, accumulate });
            ref.conv2dForward(x, w, bias, yRef, g);
            ref.conv2dBackwardFilter(x, yRef, crossRef, null, { ...g, accumulate });
            const what = `${label(g)} density ${density} accumulate=${accumulate}`;
            assertClose(y, yRef, SUMS, `event forward with cross, y: ${what}`);
            assertClose(cross, crossRef, SUMS, `event forward with cross, cross: ${what}`);
            [y, cross].forEach((b) => k.free(b));
          }
          k.free(x);
        }
        [w, wT, bias].forEach((b) => k.free(b));
      }
    });

    it('transpose gives the reference bits on every shape, tile remainders and thread splits included', () => {
      const k = K();
      const rng = new Rng(11);
      // a vector and odd sides below a 4×4 block and a 32×32 tile, the convnet's conv and classifier weights
      const shapes = [
        [1, 1],
        [1, 7],
        [9, 1],
        [3, 5],
        [4, 4],
        [37, 70],
        [64, 288],
        [256, 3136],
        [131, 1029],
      ] as const;
      for (const [rows, cols] of shapes) {
        const x = uniform(k, rng, rows * cols);
        const y = uniform(k, rng, rows * cols); // garbage: must be overwritten
        const yRef = new Float32Array(rows * cols);
        k.transpose(x, y, { rows, cols });
        ref.transpose(x, yRef, { rows, cols });
        assert.deepEqual(k.toHost(y), yRef, `transpose ${rows}×${cols}`);
        [x, y].forEach((b) => k.free(b));
      }
      const x = k.alloc(6);
      assert.throws(() => k.transpose(x, k.alloc(5), { rows: 2, cols: 3 }), { code: 'E_SHAPE' });
      k.free(x);
    });

    it('batch-norm statistics, apply and backward match the reference', () => {
      const k = K();
      const rng = new Rng(4);
      for (const [rows, C, lo, hi] of [
        [1, 3, -2, 3],
        [7, 1, -2, 3],
        [300, 10, -2, 3],
        [513, 64, -2, 3],
        [4096, 5, -2, 3],
        [2051, 64, -2, 3],
        [1000, 16, 49.9, 50.1], // a mean far from zero against a small spread: statistics from shifted sums
      ] as const) {
        const x = uniform(k, rng, rows * C, lo, hi);
        const a = { rows, channels: C };
        const mean = k.alloc(C),
          variance = k.alloc(C);
        const meanRef = new Float32Array(C),
          varRef = new Float32Array(C);
        k.batchNormStats(x, mean, variance, a);
        ref.batchNormStats(x, meanRef, varRef, a);
        assertClose(mean, meanRef, { rtol: 1e-6, atol: 1e-6 }, `mean ${rows}×${C}`);
        assertClose(variance, varRef, { rtol: 1e-5 }, `variance ${rows}×${C}`);
        const invStd = Float32Array.from(varRef, (v) => 1 / Math.sqrt(v + 1e-5));
        const gamma = uniform(k, rng, C, 0.5, 1.5),
          beta = uniform(k, rng, C);
        const y = k.alloc(x.length),
          yRef = new Float32Array(x.length);
        k.batchNormApply(x, y, meanRef, invStd, gamma, beta, a);
        ref.batchNormApply(x, yRef, meanRef, invStd, gamma, beta, a);
        assertClose(y, yRef, { rtol: 1e-5 }, `apply ${rows}×${C}`);
        const dy = uniform(k, rng, x.length);
        for (const accumulate of [false, true]) {
          const dx = k.alloc(x.length),
            dxRef = new Float32Array(x.length);
          const dg = uniform(k, rng, C),
            db = uniform(k, rng, C);
          const dgRef = plain(dg),
            dbRef = plain(db);
          k.batchNormBackward(x, dy, meanRef, invStd, gamma, dx, dg, db, { ...a, accumulate });
          ref.batchNormBackward(x, dy, meanRef, invStd, gamma, dxRef, dgRef, dbRef, { ...a, accumulate });
          assertClose(dx, dxRef, { rtol: 1e-4 }, `backward dx ${rows}×${C}`);
          assertClose(dg, dgRef, { rtol: 1e-5 }, `backward dgamma ${rows}×${C}`);
          assertClose(db, dbRef, { rtol: 1e-5 }, `backward dbeta ${rows}×${C}`);
        }
      }
    });

    it('batch-norm backward with a gradient shared by the steps, and its time sum, match the repeated gradient', () => {
      const k = K();
      const rng = new Rng(15);
      // [R, T, C, time-sum weights (null: none)]: fused where sharedSteps and the time sum agree, composed elsewhere
      for (const [R, T, C, weights] of [
        [5, 3, 3, null],
        [300, 4, 64, [0.25, 0.25, 0.25, 0.25]],
        [37, 2, 10, [0.7, -1.3]],
        [513, 4, 16, [1, 2, 3, 4]],
        [40, 4, 8, [0.5, 0.5]], // a time sum over 2 steps of a gradient shared by 4
        [40, 1, 8, [0.5, 0.5]], // a time sum alone
      ] as const) {
        const rows = R * T;
        const x = uniform(k, rng, rows * C, -2, 3);
        const g = uniform(k, rng, R * C);
        const meanRef = new Float32Array(C),
          varRef = new Float32Array(C);
        ref.batchNormStats(x, meanRef, varRef, { rows, channels: C });
        const invStd = Float32Array.from(varRef, (v) => 1 / Math.sqrt(v + 1e-5));
        const gamma = uniform(k, rng, C, 0.5, 1.5);
        const full = new Float32Array(rows * C);
        for (let t = 0; t < T; t++) full.set(plain(g), t * R * C);
        const dxRef = new Float32Array(x.length),
          dgRef = new Float32Array(C),
          dbRef = new Float32Array(C);
        ref.batchNormBackward(x, full, meanRef, invStd, gamma, dxRef, dgRef, dbRef, { rows, channels: C });
        const dx = k.alloc(x.length),
          dg = k.alloc(C),
          db = k.alloc(C);
        const w = weights === null ? null : Float64Array.from(weights);
        const sum = w === null ? null : k.alloc(x.length / w.length);
        k.batchNormBackward(x, g, meanRef, invStd, gamma, dx, dg, db, {
          rows,
          channels: C,
          ...(T > 1 ? { sharedSteps: T } : {}),
          ...(sum !== null && w !== null ? { timeSum: { out: sum, weights: w } } : {}),
        });
        const what = `${R}×${T}×${C}`;
        assertClose(dx, dxRef, { rtol: 1e-4 }, `shared dx ${what}`);
        assertClose(dg, dgRef, { rtol: 1e-5 }, `shared dgamma ${what}`);
        assertClose(db, dbRef, { rtol: 1e-5 }, `shared dbeta ${what}`);
        if (sum !== null && w !== null) {
          const sumRef = new Float32Array(sum.length);
          ref.sumRows(dxRef, sumRef, { rows: w.length, cols: sum.length, weights: w });
          assertClose(sum, sumRef, { rtol: 1e-4 }, `time sum ${what}`);
        }
      }
      const x = k.alloc(12),
        g = k.alloc(5);
      assert.throws(
        () => k.batchNormBackward(x, g, x, x, x, x, x, x, { rows: 6, channels: 2, sharedSteps: 2 }),
        /sharedSteps 2 needs dy of 6 values/,
      );
    });

    it('toHost shows what kernels wrote; fromHost hands host writes, whole or in part, to the next kernel', () => {
      const k = K();
      const n = 1 << 16; // beyond any host mirror: a device-memory backend keeps it on its device
      const rng = new Rng(9);
      const x = uniform(k, rng, n);
      const y = k.alloc(n);
      const twice = (v: Float32Array): Float32Array => Float32Array.from(v, (e) => 2 * e);
      k.elementwise([x], y, { op: 'scale', alpha: 2 });
      assert.deepEqual(k.toHost(y), twice(x), 'a fresh buffer written on the host reaches its first kernel');
      for (let i = 0; i < n; i++) x[i] = rng.uniform();
      k.fromHost(x);
      k.elementwise([x], y, { op: 'scale', alpha: 2 });
      assert.deepEqual(k.toHost(y), twice(x), 'a whole rewrite after fromHost');
      const part = x.subarray(100, 300);
      part.fill(5);
      k.fromHost(part);
      k.elementwise([x], y, { op: 'scale', alpha: 2 });
      assert.deepEqual(k.toHost(y), twice(x), 'a partial rewrite after fromHost of that range');
      assert.equal(k.toHost(y), y, 'toHost returns the same view');
      [x, y].forEach((b) => k.free(b));
    });

    it('the comparison catches a wrong kernel: a transposed filter fails the input-gradient check', () => {
      const k = K();
      const rng = new Rng(5);
      const g = convGeometry({ batch: 1, inH: 6, inW: 6, inC: 4, outC: 4, kH: 3, pad: 1 });
      const w = uniform(k, rng, 4 * 9 * 4);
      const wrong = new Float32Array(w.length); // swap outC and inC: the classic input-gradient mistake
      for (let o = 0; o < 4; o++) {
        for (let t = 0; t < 9; t++) for (let i = 0; i < 4; i++) wrong[(i * 9 + t) * 4 + o] = w[(o * 9 + t) * 4 + i]!;
      }
      const dy = uniform(k, rng, 36 * 4);
      const dx = k.alloc(36 * 4),
        dxWrong = new Float32Array(36 * 4);
      k.conv2dBackwardInput(dy, w, dx, g);
      ref.conv2dBackwardInput(dy, wrong, dxWrong, g);
      assert.ok(closeness(dx, dxWrong, SUMS).ratio > 1);
    });

    coverageCase(called, DENSE_METHODS);
  });
}
