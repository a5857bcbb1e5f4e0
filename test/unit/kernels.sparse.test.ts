/**
 * The reference backend's event-driven forwards (also with their cross product) and filter gradient against its dense kernels (the ordinary convolution, and gemm plus
 * the bias) on binary and graded sparse inputs at densities 0…1, and the density count against its definition.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linearGeometry } from '../../src/kernels/geometry.js';
import { reference as ref } from '../../src/kernels/reference/index.js';
import { Rng } from '../../src/rng.js';
import { assertClose, closeness, randn } from '../support/gradcheck.js';
import { convLabel, DENSITIES, sparse, sparseConvCases, transposed } from '../support/sparse-inputs.js';

const TOL = { rtol: 1e-5, atol: 1e-6 };

describe('reference event-driven conv forward', () => {
  for (const g of sparseConvCases()) {
    it(`equals the dense forward at every density: ${convLabel(g)}`, () => {
      const rng = new Rng(g.outC);
      const K = g.kH * g.kW * g.inC;
      const w = randn(rng, g.outC * K);
      const wT = transposed(ref, w, g.outC, K);
      const bias = randn(rng, g.outC);
      const pixels = g.inH * g.inW * g.inC;
      const n = g.batch * g.outH * g.outW * g.outC;
      for (const density of DENSITIES) {
        for (const graded of [false, true]) {
          const x = sparse(ref, rng, g.batch, pixels, density, graded);
          for (const b of [bias, null]) {
            const y = randn(rng, n); // garbage: must be overwritten
            const expected = new Float32Array(n);
            ref.conv2dForward(x, w, b, expected, g);
            ref.conv2dSparseForward(x, wT, b, y, g);
            assertClose(y, expected, TOL, `density ${density} graded=${graded} bias=${b !== null}`);
          }
        }
      }
    });
  }

  it('the comparison would catch a weight taken untransposed', () => {
    const g = sparseConvCases()[1]!;
    const rng = new Rng(3);
    const w = randn(rng, g.outC * g.kH * g.kW * g.inC);
    const x = sparse(ref, rng, g.batch, g.inH * g.inW * g.inC, 0.3, false);
    const n = g.batch * g.outH * g.outW * g.outC;
    const expected = new Float32Array(n),
      y = new Float32Array(n);
    ref.conv2dForward(x, w, null, expected, g);
    ref.conv2dSparseForward(x, w, null, y, g);
    assert.ok(closeness(y, expected, TOL).ratio > 1, 'an untransposed weight must not pass');
  });
});

describe('reference event-driven linear forward (the 1×1 conv)', () => {
  for (const [rows, inF, outF] of [
    [1, 1, 1],
    [7, 13, 5],
    [12, 64, 37],
    [30, 300, 70],
  ] as const) {
    it(`equals x·Wᵀ + b at every density: [${rows}, ${inF}] → ${outF}`, () => {
      const rng = new Rng(inF);
      const w = randn(rng, outF * inF);
      const wT = transposed(ref, w, outF, inF);
      const bias = randn(rng, outF);
      for (const density of DENSITIES) {
        for (const graded of [false, true]) {
          const x = sparse(ref, rng, rows, inF, density, graded);
          for (const b of [bias, null]) {
            const expected = new Float32Array(rows * outF);
            ref.gemm(x, w, expected, { m: rows, n: outF, k: inF, transA: false, transB: true });
            if (b !== null) ref.elementwise([expected, b], expected, { op: 'add' });
            const y = randn(rng, rows * outF);
            ref.conv2dSparseForward(x, wT, b, y, linearGeometry(rows, inF, outF));
            assertClose(y, expected, TOL, `density ${density} graded=${graded} bias=${b !== null}`);
          }
        }
      }
    });
  }
});

describe('reference event-driven filter gradient', () => {
  const linear = (
    [
      [1, 1, 1],
      [7, 13, 5],
      [30, 300, 70],
    ] as const
  ).map(([rows, inF, outF]) => linearGeometry(rows, inF, outF));
  for (const g of [...sparseConvCases(), ...linear]) {
    it(`equals the dense filter gradient at every density: ${convLabel(g)}`, () => {
      const rng = new Rng(g.inC + g.outC);
      const nw = g.outC * g.kH * g.kW * g.inC;
      const dy = randn(rng, g.batch * g.outH * g.outW * g.outC);
      for (const density of DENSITIES) {
        for (const graded of [false, true]) {
          const x = sparse(ref, rng, g.batch, g.inH * g.inW * g.inC, density, graded);
          for (const accumulate of [false, true]) {
            const dw = randn(rng, nw); // garbage unless accumulating
            const expected = new Float32Array(dw);
            ref.conv2dBackwardFilter(x, dy, expected, null, { ...g, accumulate });
            ref.conv2dSparseBackwardFilter(x, dy, dw, { ...g, accumulate });
            assertClose(dw, expected, TOL, `density ${density} graded=${graded} accumulate=${accumulate}`);
          }
        }
      }
    });
  }
});

describe('reference event-driven forward with its cross product', () => {
  const linear = (
    [
      [1, 1, 1],
      [7, 13, 5],
      [30, 300, 70],
    ] as const
  ).map(([rows, inF, outF]) => linearGeometry(rows, inF, outF));
  for (const g of [...sparseConvCases(), ...linear]) {
    it(`gives the dense forward and the dense filter gradient of x against it: ${convLabel(g)}`, () => {
      const rng = new Rng(g.inC + 2 * g.outC);
      const K = g.kH * g.kW * g.inC;
      const w = randn(rng, g.outC * K);
      const wT = transposed(ref, w, g.outC, K);
      const bias = randn(rng, g.outC);
      const ny = g.batch * g.outH * g.outW * g.outC;
      for (const density of [0, 0.1, 1]) {
        const x = sparse(ref, rng, g.batch, g.inH * g.inW * g.inC, density, density === 0.1);
        for (const accumulate of [false, true]) {
          const y = randn(rng, ny); // garbage: must be overwritten
          const cross = randn(rng, g.outC * K); // garbage unless accumulating
          const yExpected = new Float32Array(ny);
          const crossExpected = new Float32Array(cross);
          ref.conv2dForward(x, w, bias, yExpected, g);
          ref.conv2dBackwardFilter(x, yExpected, crossExpected, null, { ...g, accumulate });
          ref.conv2dSparseForwardCross(x, wT, bias, y, cross, { ...g, accumulate });
          assertClose(y, yExpected, TOL, `y at density ${density}`);
          assertClose(cross, crossExpected, TOL, `cross at density ${density} accumulate=${accumulate}`);
        }
      }
    });
  }
});

describe('reference non-zero count', () => {
  const count = (x: Float32Array): number => ref.reduce(x, { op: 'countNonzero' });
  it('counts entries that are not zero; −0 is zero, NaN is not', () => {
    assert.equal(count(new Float32Array(0)), 0);
    assert.equal(count(Float32Array.of(0, -0, 0, 0)), 0);
    assert.equal(count(Float32Array.of(1, 0, NaN, -2, 0)), 3);
    const rng = new Rng(9);
    const x = sparse(ref, rng, 40, 50, 0.2, true);
    let n = 0;
    for (const v of x) if (v !== 0) n++;
    assert.equal(count(x), n);
  });
});
