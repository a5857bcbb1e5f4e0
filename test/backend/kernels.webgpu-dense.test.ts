/**
 * The dense WGSL ops (gemm and the convolution passes) run one at a time on the software Vulkan adapter and are
 * compared with the reference backend on the conformance suite's shapes (conformance.dense.ts): ragged sizes,
 * batch 1, strides, padding, 1×1 and non-square kernels, every transpose, alpha and accumulation, with and without
 * bias. The register tilings and a split K are forced on small shapes, since the shape-based choice only picks
 * them for sizes too slow for lavapipe. Outputs start as NaN where the op overwrites, so a missed write fails.
 * Tolerance: SUMS (the conformance suite's) everywhere, the split K included: its partial sums are added in
 * another order, but over these lengths that stays within a few ulps of each term. Skipped with the reason when
 * there is no WebGPU adapter (never under CI). About 30 s with a cold Mesa shader cache, 11 s warm.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { convGeometry, linearGeometry } from '../../src/kernels/geometry.js';
import type { ConvGeometry } from '../../src/kernels/kernels.js';
import { reference as ref } from '../../src/kernels/reference/index.js';
import { forcedTiling, type Tiling } from '../../src/kernels/webgpu/ops/tiled-gemm.js';
import { Rng } from '../../src/rng.js';
import { convCases, SUMS } from '../support/conformance.dense.js';
import { assertClose } from '../support/gradcheck.js';
import { convLabel, transposed } from '../support/sparse-inputs.js';
import { directDevice, runOp } from '../support/webgpu-direct.js';

const got = await directDevice();
const device = 'device' in got ? got.device : null;
const SKIP = device === null && !process.env.CI ? `no WebGPU device: ${'reason' in got ? got.reason : ''}` : false;
after(() => device?.destroy());

/**
 * The tilings the small shapes never choose (4×4 is). Each shader variant costs lavapipe seconds to compile, so
 * the loaders, which do not depend on the tiling, are checked under each tiling only through gemm (whose four
 * transposes cover every tile-load order) and under 8×8 for the convolutions.
 */
const BIG_TILINGS: Tiling[] = [
  { tm: 4, tn: 8 },
  { tm: 8, tn: 4 },
  { tm: 8, tn: 8 },
];

function random(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 2 * rng.uniform() - 1;
  return a;
}
const nans = (n: number): Float32Array => new Float32Array(n).fill(Number.NaN);

/** Runs `body` with a forced tiling and K split, restoring the shape-based choice afterwards. */
async function forcing(tiling: Tiling | null, splits: number | null, body: () => Promise<void>): Promise<void> {
  forcedTiling.tiling = tiling;
  forcedTiling.splits = splits;
  try {
    await body();
  } finally {
    forcedTiling.tiling = null;
    forcedTiling.splits = null;
  }
}

async function checkGemm(rng: Rng, m: number, n: number, k: number, what: string): Promise<void> {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const [alpha, accumulate] of [
        [undefined, false],
        [0.5, true],
        [-1, true],
      ] as const) {
        const a = random(rng, m * k);
        const b = random(rng, k * n);
        const c = accumulate ? random(rng, m * n) : nans(m * n);
        const expected = Float32Array.from(c);
        const at = { m, n, k, transA, transB, alpha, accumulate };
        ref.gemm(a, b, expected, at);
        const out = await runOp(device!, 'gemm', [a, b, c], [2], at);
        assertClose(
          out.buffers[2]!,
          expected,
          SUMS,
          `gemm ${m}×${n}×${k} tA=${transA} tB=${transB} α=${alpha} ${what}`,
        );
      }
    }
  }
}

async function checkForward(rng: Rng, g: ConvGeometry, what: string): Promise<void> {
  const K2 = g.kH * g.kW * g.inC;
  const x = random(rng, g.batch * g.inH * g.inW * g.inC);
  const w = random(rng, g.outC * K2);
  const wT = transposed(ref, w, g.outC, K2);
  const bias = random(rng, g.outC);
  const ny = g.batch * g.outH * g.outW * g.outC;
  for (const b of [bias, null]) {
    const expected = new Float32Array(ny);
    ref.conv2dForward(x, w, b, expected, g);
    const dense = await runOp(device!, 'conv2dForward', [x, w, b, nans(ny)], [3], g);
    assertClose(dense.buffers[3]!, expected, SUMS, `forward ${convLabel(g)} bias=${b !== null} ${what}`);
    const sparse = await runOp(device!, 'conv2dSparseForward', [x, wT, b, nans(ny)], [3], g);
    assertClose(sparse.buffers[3]!, expected, SUMS, `event forward ${convLabel(g)} bias=${b !== null} ${what}`);
  }
}

async function checkBackward(rng: Rng, g: ConvGeometry, what: string): Promise<void> {
  const nx = g.batch * g.inH * g.inW * g.inC;
  const nw = g.outC * g.kH * g.kW * g.inC;
  const x = random(rng, nx);
  const w = random(rng, nw);
  const dy = random(rng, g.batch * g.outH * g.outW * g.outC);
  const dxRef = new Float32Array(nx);
  ref.conv2dBackwardInput(dy, w, dxRef, g);
  const dx = await runOp(device!, 'conv2dBackwardInput', [dy, w, nans(nx)], [2], g);
  assertClose(dx.buffers[2]!, dxRef, SUMS, `input-gradient ${convLabel(g)} ${what}`);
  for (const accumulate of [false, true]) {
    for (const withBias of [true, false]) {
      const dw = accumulate ? random(rng, nw) : nans(nw);
      const db = withBias ? (accumulate ? random(rng, g.outC) : nans(g.outC)) : null;
      const dwRef = Float32Array.from(dw);
      const dbRef = db === null ? null : Float32Array.from(db);
      const at = { ...g, accumulate };
      ref.conv2dBackwardFilter(x, dy, dwRef, dbRef, at);
      const out = await runOp(device!, 'conv2dBackwardFilter', [x, dy, dw, db], withBias ? [2, 3] : [2], at);
      const label = `${convLabel(g)} accumulate=${accumulate} bias=${withBias} ${what}`;
      assertClose(out.buffers[2]!, dwRef, SUMS, `filter-gradient ${label}`);
      if (dbRef !== null) assertClose(out.buffers[3]!, dbRef, SUMS, `bias-gradient ${label}`);
    }
  }
}

describe('webgpu dense ops against the reference backend', { skip: SKIP }, () => {
  it('has a WebGPU device (CI must provide one)', () => {
    assert.ok(device !== null, `CI=${process.env.CI} but ${'reason' in got ? got.reason : 'no device'}`);
  });

  it('gemm: ragged shapes, every transpose, alpha and accumulation', async () => {
    const rng = new Rng(1);
    for (const [m, n, k] of [
      [1, 1, 1],
      [5, 7, 3],
      [4, 8, 16],
      [33, 17, 65],
      [64, 130, 300],
      [300, 9, 20],
      [3, 2000, 200],
      [70, 70, 70],
      [2, 3, 0],
    ] as const) {
      await checkGemm(rng, m, n, k, 'shape-chosen tiling');
    }
  });

  it('gemm: every register tiling and a split K on shapes that cross tile edges', async () => {
    const rng = new Rng(11);
    for (const tiling of BIG_TILINGS) {
      await forcing(tiling, null, () => checkGemm(rng, 131, 70, 37, `tiling ${tiling.tm}×${tiling.tn}`));
    }
    await forcing({ tm: 4, tn: 8 }, 5, () => checkGemm(rng, 70, 131, 203, 'K split 5 ways'));
  });

  it('gemm: a long K on few tiles is split by the shape-based choice', async () => {
    // a weight gradient's shape: [m, rows]ᵀ·[rows, n] with rows ≫ m, n
    const rng = new Rng(12);
    const [m, n, k] = [20, 30, 1500];
    const a = random(rng, k * m);
    const b = random(rng, k * n);
    const at = { m, n, k, transA: true, transB: false, alpha: 0.25 };
    const expected = new Float32Array(m * n);
    ref.gemm(a, b, expected, at);
    const out = await runOp(device!, 'gemm', [a, b, nans(m * n)], [2], at);
    assertClose(out.buffers[2]!, expected, SUMS, `gemm ${m}×${n}×${k} tA`);
  });

  it('conv forward (dense and from the transposed weight) on the conformance shapes', async () => {
    const rng = new Rng(2);
    for (const g of convCases()) await checkForward(rng, g, '');
    await checkForward(rng, linearGeometry(7, 13, 5), 'linear');
  });

  it('conv input- and filter-gradients on the conformance shapes', async () => {
    const rng = new Rng(3);
    for (const g of convCases()) await checkBackward(rng, g, '');
  });

  it('conv passes with the largest register tiling, and with K split', async () => {
    const rng = new Rng(4);
    const g = convGeometry({ batch: 2, inH: 9, inW: 7, inC: 11, outC: 70, kH: 3, kW: 2, stride: [2, 1], pad: 1 });
    await forcing({ tm: 8, tn: 8 }, null, async () => {
      await checkForward(rng, g, 'tiling 8×8');
      await checkBackward(rng, g, 'tiling 8×8');
    });
    await forcing(null, 3, async () => {
      await checkForward(rng, g, 'K split 3 ways');
      await checkBackward(rng, g, 'K split 3 ways');
    });
  });

  it('the input gradient writes zeros where no tap lands (stride larger than the kernel)', async () => {
    const g = convGeometry({ batch: 2, inH: 8, inW: 7, inC: 5, outC: 3, kH: 2, stride: 3 });
    const dy = random(new Rng(5), g.batch * g.outH * g.outW * g.outC);
    const w = random(new Rng(6), g.outC * g.kH * g.kW * g.inC);
    const nx = g.batch * g.inH * g.inW * g.inC;
    const out = await runOp(device!, 'conv2dBackwardInput', [dy, w, nans(nx)], [2], g);
    const dx = out.buffers[2]!;
    // ih = 2 (mod 3) lies past every 2-tall window: exactly zero, not merely small
    const at = ((1 * g.inH + 5) * g.inW + 3) * g.inC + 4;
    assert.equal(dx[at], 0);
    const dxRef = new Float32Array(nx);
    ref.conv2dBackwardInput(dy, w, dxRef, g);
    assertClose(dx, dxRef, SUMS, `input-gradient ${convLabel(g)}`);
  });
});
