/**
 * The native backend (OpenBLAS + oneDNN addon) against the reference backend (the shared suite in
 * conformance.dense.ts), at 1 and 2 threads, with oneDNN and with the im2col fallback; plus its
 * size checks and backend selection. Skipped with the build command when the addon is not built (never under CI).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKernels } from '../../src/kernels/backend.js';
import { convGeometry } from '../../src/kernels/geometry.js';
import { NATIVE_INSTALL_HINT } from '../../src/kernels/native/addon.js';
import type { NativeKernels } from '../../src/kernels/native/index.js';
import { Rng } from '../../src/rng.js';
import { denseConformance } from '../support/conformance.dense.js';
import { NATIVE_CONFIGS, requireBuiltUnderCi, SKIP, useNativeBackends } from '../support/kernels.native-setup.js';
import { uniform } from '../support/kernels.wasm-setup.js';

const backends = useNativeBackends();
requireBuiltUnderCi();

for (const cfg of NATIVE_CONFIGS) {
  const K = (): NativeKernels => {
    const k = backends.get(cfg.label)!;
    k.useOneDnn(cfg.oneDnn);
    return k;
  };
  denseConformance(`native dense kernels (${cfg.label})`, K, SKIP);
}

describe('native backend checks and selection', { skip: SKIP }, () => {
  it('a buffer too short for its sizes throws instead of touching memory past its end', () => {
    const k = backends.get('2 threads')!;
    const g = convGeometry({ batch: 2, inH: 5, inW: 5, inC: 3, outC: 4, kH: 3, pad: 1 });
    const y = k.alloc(2 * 25 * 4);
    assert.throws(() => k.conv2dForward(k.alloc(2 * 25 * 3 - 1), k.alloc(4 * 27), null, y, g), /elements, 150 needed/);
    assert.throws(
      () => k.gemm(k.alloc(6), k.alloc(6), k.alloc(8), { m: 3, n: 3, k: 2, transA: false, transB: false }),
      /needed/,
    );
    assert.throws(() => k.sumRows(k.alloc(10), k.alloc(3), { rows: 4, cols: 3 }), /needed/);
  });

  it('reductions give the same bits on 1 and 2 threads (fixed blocks, combined in order)', () => {
    const one = backends.get('1 thread')!,
      two = backends.get('2 threads')!;
    const rng = new Rng(9);
    const rows = 4099,
      C = 64;
    const x = uniform(one, rng, rows * C, -2, 3),
      dy = uniform(one, rng, rows * C);
    const outs = [one, two].map((k) => {
      const mean = k.alloc(C),
        variance = k.alloc(C),
        cols = k.alloc(C),
        dx = k.alloc(x.length);
      const dg = k.alloc(C),
        db = k.alloc(C),
        gi = k.alloc(x.length);
      k.batchNormStats(x, mean, variance, { rows, channels: C });
      k.batchNormBackward(x, dy, mean, variance, mean, dx, dg, db, { rows, channels: C });
      k.sumRows(dy, cols, { rows, cols: C });
      const th = k.neuronBackward(dy, gi, {
        mode: 'representation',
        n: x.length,
        inputRep: x,
        hi: 1,
        slope: 0.5,
        closed: true,
      });
      return { mean, variance, cols, dx, dg, db, sum: k.reduce(dy, { op: 'sum' }), th };
    });
    const [a, b] = outs as [(typeof outs)[0], (typeof outs)[0]];
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
    assert.equal(
      k.convImplementations(convGeometry({ batch: 2, inH: 6, inW: 5, inC: 3, outC: 4, kH: 1, stride: 2 })),
      'im2col+sgemm',
    );
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
