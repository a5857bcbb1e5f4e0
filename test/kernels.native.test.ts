/**
 * The native backend (OpenBLAS + oneDNN addon) against the reference backend: gemm, the three conv passes, pooling
 * and batch-norm on seeded random shapes (odd sizes, batch 1, strides, padding, 1×1 and non-square kernels, a
 * stride that leaves input rows unused), at 1 and 2 threads, with oneDNN and with the im2col fallback; plus its
 * size checks and backend selection. Skipped with the build command when the addon is not built (never under CI).
 * Tolerances: float32 sums in another order differ by a few ulps per term.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKernels } from '../src/kernels/backend.js';
import { convGeometry, poolGeometry } from '../src/kernels/geometry.js';
import type { ConvGeometry } from '../src/kernels/kernels.js';
import { reference as ref } from '../src/kernels/reference/index.js';
import { NATIVE_INSTALL_HINT } from '../src/kernels/native/addon.js';
import { Rng } from '../src/rng.js';
import { assertClose, closeness } from './gradcheck.js';
import { plain, uniform } from './kernels.wasm-setup.js';
import { NATIVE_CONFIGS, requireBuiltUnderCi, SKIP, useNativeBackends } from './kernels.native-setup.js';

const SUMS = { rtol: 1e-4 }; // relative to the largest |expected|
const backends = useNativeBackends();
requireBuiltUnderCi();

function convCases(): ConvGeometry[] {
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
  ];
  const rng = new Rng(7);
  while (fixed.length < 18) {
    const k = 1 + rng.int(3);
    const spec = {
      batch: 1 + rng.int(3), inH: 1 + rng.int(8), inW: 1 + rng.int(8), inC: 1 + rng.int(13), outC: 1 + rng.int(13),
      kH: k, stride: 1 + rng.int(2), pad: rng.int(k),
    };
    if (spec.inH + 2 * spec.pad >= k && spec.inW + 2 * spec.pad >= k) fixed.push(convGeometry(spec));
  }
  return fixed;
}

const label = (g: ConvGeometry): string =>
  `${g.batch}×${g.inH}×${g.inW}×${g.inC}→${g.outC} k${g.kH}×${g.kW} s${g.strideH}×${g.strideW} p${g.padH}×${g.padW}`;

for (const cfg of NATIVE_CONFIGS) {
  describe(`native dense kernels (${cfg.label})`, { skip: SKIP }, () => {
    const K = () => {
      const k = backends.get(cfg.label)!;
      k.useOneDnn(cfg.oneDnn);
      return k;
    };

    it('gemm matches the reference for every transpose, alpha, beta and size', () => {
      const k = K();
      const rng = new Rng(1);
      const shapes = [[1, 1, 1], [5, 7, 3], [4, 8, 16], [33, 17, 65], [64, 130, 300], [300, 9, 20], [3, 2000, 200], [70, 70, 70]];
      for (const [m, n, kk] of shapes as [number, number, number][]) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const [alpha, beta] of [[1, 0], [0.5, 0.25], [-1, 1]] as const) {
              const a = uniform(k, rng, m * kk), b = uniform(k, rng, kk * n), c = uniform(k, rng, m * n);
              const expected = plain(c);
              const at = { m, n, k: kk, transA, transB, alpha, beta };
              ref.gemm(a, b, expected, at);
              k.gemm(a, b, c, at);
              assertClose(c, expected, SUMS, `gemm ${m}×${n}×${kk} tA=${transA} tB=${transB} α=${alpha} β=${beta}`);
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
        const y = uniform(k, rng, ny), yRef = new Float32Array(ny); // garbage: must be overwritten
        for (const withBias of [true, false]) {
          k.conv2dForward(x, w, withBias ? bias : null, y, g);
          ref.conv2dForward(x, w, withBias ? bias : null, yRef, g);
          assertClose(y, yRef, SUMS, `forward ${label(g)} bias=${withBias}`);
        }
        const dy = uniform(k, rng, ny);
        const dx = uniform(k, rng, x.length), dxRef = new Float32Array(x.length);
        k.conv2dBackwardInput(dy, w, dx, g);
        ref.conv2dBackwardInput(dy, w, dxRef, g);
        assertClose(dx, dxRef, SUMS, `input-gradient ${label(g)}`);
        for (const accumulate of [false, true]) {
          const dw = uniform(k, rng, w.length), db = uniform(k, rng, g.outC);
          const dwRef = plain(dw), dbRef = plain(db);
          k.conv2dBackwardFilter(x, dy, dw, db, g, accumulate);
          ref.conv2dBackwardFilter(x, dy, dwRef, dbRef, g, accumulate);
          assertClose(dw, dwRef, SUMS, `filter-gradient ${label(g)} accumulate=${accumulate}`);
          assertClose(db, dbRef, SUMS, `bias-gradient ${label(g)} accumulate=${accumulate}`);
          k.conv2dBackwardFilter(x, dy, dw, null, g, false);
          ref.conv2dBackwardFilter(x, dy, dwRef, null, g, false);
          assertClose(dw, dwRef, SUMS, `filter-gradient without bias ${label(g)}`);
        }
      }
    });

    it('average pooling forward and backward match the reference', () => {
      const k = K();
      const rng = new Rng(3);
      const cases = [
        poolGeometry(2, 8, 8, 5, 2), poolGeometry(1, 7, 9, 8, 3, 2, 1), poolGeometry(3, 5, 5, 1, 3, 1, 1),
        poolGeometry(2, 4, 4, 64, 4), poolGeometry(8, 32, 32, 16, 2), poolGeometry(4, 15, 15, 12, 3, 2, 1),
      ];
      for (const g of cases) {
        const x = uniform(k, rng, g.batch * g.inH * g.inW * g.inC);
        const y = k.alloc(g.batch * g.outH * g.outW * g.outC), yRef = new Float32Array(y.length);
        k.avgPool2dForward(x, y, g);
        ref.avgPool2dForward(x, yRef, g);
        assertClose(y, yRef, { rtol: 1e-6 }, `pool forward ${label(g)}`);
        const dx = uniform(k, rng, x.length), dxRef = new Float32Array(x.length);
        k.avgPool2dBackward(y, dx, g);
        ref.avgPool2dBackward(yRef, dxRef, g);
        assertClose(dx, dxRef, { rtol: 1e-6 }, `pool backward ${label(g)}`);
      }
    });

    it('batch-norm statistics, apply and backward match the reference', () => {
      const k = K();
      const rng = new Rng(4);
      for (const [rows, C] of [[1, 3], [7, 1], [300, 10], [513, 64], [4096, 5], [2051, 64]] as const) {
        const x = uniform(k, rng, rows * C, -2, 3);
        const a = { rows, channels: C };
        const mean = k.alloc(C), variance = k.alloc(C), meanRef = new Float32Array(C), varRef = new Float32Array(C);
        k.batchNormStats(x, mean, variance, a);
        ref.batchNormStats(x, meanRef, varRef, a);
        assertClose(mean, meanRef, { rtol: 1e-6, atol: 1e-6 }, `mean ${rows}×${C}`);
        assertClose(variance, varRef, { rtol: 1e-6 }, `variance ${rows}×${C}`);
        const invStd = Float32Array.from(varRef, (v) => 1 / Math.sqrt(v + 1e-5));
        const gamma = uniform(k, rng, C, 0.5, 1.5), beta = uniform(k, rng, C);
        const y = k.alloc(x.length), yRef = new Float32Array(x.length);
        k.batchNormApply(x, y, meanRef, invStd, gamma, beta, a);
        ref.batchNormApply(x, yRef, meanRef, invStd, gamma, beta, a);
        assertClose(y, yRef, { rtol: 1e-6 }, `apply ${rows}×${C}`);
        const dy = uniform(k, rng, x.length);
        for (const accumulate of [false, true]) {
          const dx = k.alloc(x.length), dxRef = new Float32Array(x.length);
          const dg = uniform(k, rng, C), db = uniform(k, rng, C), dgRef = plain(dg), dbRef = plain(db);
          k.batchNormBackward(x, dy, meanRef, invStd, gamma, dx, dg, db, a, accumulate);
          ref.batchNormBackward(x, dy, meanRef, invStd, gamma, dxRef, dgRef, dbRef, a, accumulate);
          assertClose(dx, dxRef, { rtol: 1e-5 }, `backward dx ${rows}×${C}`);
          assertClose(dg, dgRef, { rtol: 1e-6 }, `backward dgamma ${rows}×${C}`);
          assertClose(db, dbRef, { rtol: 1e-6 }, `backward dbeta ${rows}×${C}`);
        }
      }
    });
  });
}

describe('native backend checks and selection', { skip: SKIP }, () => {
  it('the comparison catches a wrong kernel: a transposed filter fails the input-gradient check', () => {
    const k = backends.get('1 thread')!;
    const rng = new Rng(5);
    const g = convGeometry({ batch: 1, inH: 6, inW: 6, inC: 4, outC: 4, kH: 3, pad: 1 });
    const w = uniform(k, rng, 4 * 9 * 4);
    const wrong = new Float32Array(w.length); // swap outC and inC: the classic input-gradient mistake
    for (let o = 0; o < 4; o++) for (let t = 0; t < 9; t++) for (let i = 0; i < 4; i++) wrong[(i * 9 + t) * 4 + o] = w[(o * 9 + t) * 4 + i]!;
    const dy = uniform(k, rng, 36 * 4);
    const dx = k.alloc(36 * 4), dxWrong = new Float32Array(36 * 4);
    k.conv2dBackwardInput(dy, w, dx, g);
    ref.conv2dBackwardInput(dy, wrong, dxWrong, g);
    assert.ok(closeness(dx, dxWrong, SUMS).ratio > 1);
  });

  it('a buffer too short for its sizes throws instead of touching memory past its end', () => {
    const k = backends.get('2 threads')!;
    const g = convGeometry({ batch: 2, inH: 5, inW: 5, inC: 3, outC: 4, kH: 3, pad: 1 });
    const y = k.alloc(2 * 25 * 4);
    assert.throws(() => k.conv2dForward(k.alloc(2 * 25 * 3 - 1), k.alloc(4 * 27), null, y, g), /elements, 150 needed/);
    assert.throws(() => k.gemm(k.alloc(6), k.alloc(6), k.alloc(8), { m: 3, n: 3, k: 2, transA: false, transB: false, alpha: 1, beta: 0 }), /needed/);
    assert.throws(() => k.sumRows(k.alloc(10), k.alloc(3), 4, 3, false), /needed/);
  });

  it('reductions give the same bits on 1 and 2 threads (fixed blocks, combined in order)', () => {
    const one = backends.get('1 thread')!, two = backends.get('2 threads')!;
    const rng = new Rng(9);
    const rows = 4099, C = 64;
    const x = uniform(one, rng, rows * C, -2, 3), dy = uniform(one, rng, rows * C);
    const outs = [one, two].map((k) => {
      const mean = k.alloc(C), variance = k.alloc(C), cols = k.alloc(C), dx = k.alloc(x.length);
      const dg = k.alloc(C), db = k.alloc(C), gi = k.alloc(x.length);
      k.batchNormStats(x, mean, variance, { rows, channels: C });
      k.batchNormBackward(x, dy, mean, variance, mean, dx, dg, db, { rows, channels: C }, false);
      k.sumRows(dy, cols, rows, C, false);
      const th = k.clampBackward(x, dy, gi, { n: x.length, hi: 1, slope: 0.5, closed: true });
      return { mean, variance, cols, dx, dg, db, sum: k.sum(dy), th };
    });
    const [a, b] = outs as [typeof outs[0], typeof outs[0]];
    for (const key of ['mean', 'variance', 'cols', 'dx', 'dg', 'db'] as const) assert.deepEqual(a[key], b[key], key);
    assert.equal(a.sum, b.sum);
    assert.equal(a.th, b.th);
  });

  it('reports the OpenBLAS core and the oneDNN instruction set and implementations', () => {
    const k = backends.get('2 threads')!;
    const info = k.info();
    assert.match(info.openblasConfig, /OpenBLAS/);
    assert.ok(info.openblasCore.length > 0 && info.dnnlIsa.length > 0);
    k.useOneDnn(true);
    const impls = k.convImplementations(convGeometry({ batch: 2, inH: 8, inW: 8, inC: 16, outC: 16, kH: 3, pad: 1 }));
    assert.equal(impls.split(' / ').length, 3, impls);
    assert.equal(k.convImplementations(convGeometry({ batch: 2, inH: 6, inW: 5, inC: 3, outC: 4, kH: 1, stride: 2 })), 'im2col+sgemm');
  });

  it('createKernels makes native and auto backends with the requested threads', async () => {
    const k = await createKernels('native', { threads: 3 });
    assert.equal(k.name, 'native');
    assert.equal(k.threads, 3);
    assert.equal((await createKernels('auto', { threads: 1 })).name, 'native', 'auto prefers native when it is built');
    await assert.rejects(createKernels('native', { threads: 0 }), /threads must be an integer/);
  });
});

describe('native backend install hint', () => {
  it('names the Debian packages and the npm script that build the addon', () => {
    assert.equal(NATIVE_INSTALL_HINT, 'sudo apt-get install -y libopenblas-dev libdnnl-dev && npm run build:native');
  });
});
