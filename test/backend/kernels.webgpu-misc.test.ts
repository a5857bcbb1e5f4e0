/**
 * The webgpu ops that are neither GEMM/convolution nor neuron (pooling, batch-norm, spike bits, reductions, row
 * sums, the loss, the optimisers), each run alone on the software Vulkan adapter and compared with the reference
 * backend on seeded random cases: ragged sizes, accumulation on and off, pooling strides and padding, NaN and −0
 * in the non-zero count and the bits, and row counts large enough for the two-pass (chunked) reductions.
 *
 * Tolerances are the other backends' (conformance.dense.ts, conformance.neuron.ts) except where the reference
 * adds in float64 and WGSL has only float32:
 *  - softmaxCrossEntropy's loss needs a looser one: each row's log-sum-exp is float32 and WGSL's exp/log may be
 *    off by a few ulps (more on GPUs than on lavapipe, which gives about 5e-9 here), so the mean loss is checked to
 *    1e-6 relative instead of the 1e-12 that float64 backends meet.
 *  - sumRows and the batch-norm sums add float32 chunk sums (16 to rows/1024 rows each, then the chunks); they meet
 *    the float32 tolerances of the other backends with room (measured at a tenth to a quarter of them).
 *  - reduce('sum') carries a compensated (hi, lo) pair per workgroup and meets the float64 one (1e-12·n).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { poolGeometry } from '../../src/kernels/geometry.js';
import type { ConvGeometry } from '../../src/kernels/kernels.js';
import { reference as ref } from '../../src/kernels/reference/index.js';
import { Executor } from '../../src/kernels/webgpu/executor.js';
import { Rng } from '../../src/rng.js';
import { assertClose } from '../support/gradcheck.js';
import { directDevice, runOp } from '../support/webgpu-direct.js';

const found = await directDevice();
const skip = 'reason' in found && process.env.CI === undefined ? found.reason : false;

function gpu(): GPUDevice {
  if ('reason' in found) throw new Error(`no WebGPU device: ${found.reason}`);
  return found.device;
}

function uniform(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}

const label = (g: ConvGeometry): string =>
  `${g.batch}×${g.inH}×${g.inW}×${g.inC} k${g.kH}×${g.kW} s${g.strideH}×${g.strideW} p${g.padH}×${g.padW}`;

describe('webgpu pooling, batch-norm, bits, reductions, loss and optimisers', { skip }, () => {
  before(() => {
    gpu();
  });

  it('average pooling forward and backward match the reference (strides, padding, unused edges)', async () => {
    const rng = new Rng(3);
    const cases = [
      poolGeometry(2, 8, 8, 5, 2),
      poolGeometry(1, 7, 9, 8, 3, 2, 1),
      poolGeometry(3, 5, 5, 1, 3, 1, 1),
      poolGeometry(2, 4, 4, 64, 4),
      poolGeometry(2, 7, 6, 3, 2), // last input row and column in no window
      poolGeometry(4, 15, 15, 12, 3, 2, 1),
      poolGeometry(1, 6, 5, 2, 3, 1, 2), // padding wider than half the window
    ];
    for (const g of cases) {
      const x = uniform(rng, g.batch * g.inH * g.inW * g.inC);
      const ny = g.batch * g.outH * g.outW * g.outC;
      const yRef = new Float32Array(ny);
      ref.avgPool2dForward(x, yRef, g);
      const fwd = await runOp(gpu(), 'avgPool2dForward', [x, uniform(rng, ny)], [1], g);
      assertClose(fwd.buffers[1]!, yRef, { rtol: 1e-5 }, `pool forward ${label(g)}`);
      const dy = uniform(rng, ny);
      const dxRef = new Float32Array(x.length);
      ref.avgPool2dBackward(dy, dxRef, g);
      const bwd = await runOp(gpu(), 'avgPool2dBackward', [dy, uniform(rng, x.length)], [1], g);
      assertClose(bwd.buffers[1]!, dxRef, { rtol: 1e-5 }, `pool backward ${label(g)}`);
    }
  });

  it('batch-norm statistics, apply and backward match the reference, one-pass and chunked', async () => {
    const rng = new Rng(4);
    for (const [rows, C, offset] of [
      [1, 3, 0],
      [7, 1, 0],
      [16, 4, 0], // the most rows done in one pass
      [300, 10, 0],
      [513, 64, 0],
      [4096, 5, 0],
      [2051, 64, 0],
      [20011, 3, 0], // more than 16 rows per chunk
      [1000, 4, 100], // far from zero: Σx² − (Σx)²/N would lose the variance here
    ] as const) {
      const x = uniform(rng, rows * C, offset - 2, offset + 3);
      const a = { rows, channels: C };
      const meanRef = new Float32Array(C),
        varRef = new Float32Array(C);
      ref.batchNormStats(x, meanRef, varRef, a);
      const stats = await runOp(gpu(), 'batchNormStats', [x, uniform(rng, C), uniform(rng, C)], [1, 2], a);
      const what = `${rows}×${C}${offset === 0 ? '' : ` around ${offset}`}`;
      assertClose(stats.buffers[1]!, meanRef, { rtol: 1e-6, atol: 1e-6 }, `mean ${what}`);
      assertClose(stats.buffers[2]!, varRef, { rtol: 1e-5 }, `variance ${what}`);

      const invStd = Float32Array.from(varRef, (v) => 1 / Math.sqrt(v + 1e-5));
      const gamma = uniform(rng, C, 0.5, 1.5),
        beta = uniform(rng, C);
      const yRef = new Float32Array(x.length);
      ref.batchNormApply(x, yRef, meanRef, invStd, gamma, beta, a);
      const y = await runOp(gpu(), 'batchNormApply', [x, uniform(rng, x.length), meanRef, invStd, gamma, beta], [1], a);
      assertClose(y.buffers[1]!, yRef, { rtol: 1e-5 }, `apply ${what}`);

      const dy = uniform(rng, x.length);
      for (const accumulate of [false, true]) {
        const dg = uniform(rng, C),
          db = uniform(rng, C);
        const dxRef = new Float32Array(x.length),
          dgRef = dg.slice(),
          dbRef = db.slice();
        const at = { ...a, accumulate };
        ref.batchNormBackward(x, dy, meanRef, invStd, gamma, dxRef, dgRef, dbRef, at);
        const r = await runOp(
          gpu(),
          'batchNormBackward',
          [x, dy, meanRef, invStd, gamma, uniform(rng, x.length), dg, db],
          [5, 6, 7],
          at,
        );
        assertClose(r.buffers[5]!, dxRef, { rtol: 1e-4 }, `backward dx ${what}`);
        assertClose(r.buffers[6]!, dgRef, { rtol: 1e-5 }, `backward dgamma ${what} accumulate=${accumulate}`);
        assertClose(r.buffers[7]!, dbRef, { rtol: 1e-5 }, `backward dbeta ${what} accumulate=${accumulate}`);
      }
    }
  });

  it('batch-norm statistics into two views of one buffer (mean, then variance) match the reference', async () => {
    // A dispatch may not bind one buffer read-only and writable at once; mean and variance 256 bytes apart are
    // bound directly (not staged), so this catches a pass that reads mean while writing variance.
    const rng = new Rng(5);
    const C = 64;
    for (const rows of [10, 300]) {
      const x = uniform(rng, rows * C);
      const meanRef = new Float32Array(C),
        varRef = new Float32Array(C);
      ref.batchNormStats(x, meanRef, varRef, { rows, channels: C });
      const xs = { id: 1, offset: 0, n: x.length },
        mean = { id: 2, offset: 0, n: C },
        variance = { id: 2, offset: C, n: C };
      const answer = await new Executor(gpu()).run({
        cmds: [
          { t: 'alloc', id: 1, n: x.length },
          { t: 'alloc', id: 2, n: 2 * C },
          { t: 'upload', ref: xs, at: 0 },
          { t: 'op', op: 'batchNormStats', refs: [xs, mean, variance], outs: [1, 2], attrs: { rows, channels: C } },
          { t: 'download', ref: mean, at: 0 },
          { t: 'download', ref: variance, at: C },
        ],
        uploads: x,
      });
      const got = new Map(answer.downloads.map((d) => [d.at, d.data]));
      assertClose(got.get(0)!, meanRef, { rtol: 1e-6, atol: 1e-6 }, `shared-buffer mean ${rows}×${C}`);
      assertClose(got.get(C)!, varRef, { rtol: 1e-5 }, `shared-buffer variance ${rows}×${C}`);
    }
  });

  it('spikes packed into bits and back match the reference bit for bit (NaN is a spike, −0 is not)', async () => {
    const rng = new Rng(13);
    for (const n of [1, 31, 32, 33, 1001, 70001]) {
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const u = rng.uniform();
        x[i] = u < 0.2 ? 0.75 : u < 0.22 ? Number.NaN : u < 0.25 ? -0 : u < 0.27 ? -1e-40 : 0;
      }
      const words = Math.ceil(n / 32);
      const refBits = new Float32Array(words);
      ref.packSpikes(x, refBits);
      const garbage = new Float32Array(words).fill(-3);
      const packed = await runOp(gpu(), 'packSpikes', [x, garbage], [1], { n });
      const bits = packed.buffers[1]!;
      assert.deepEqual(new Uint32Array(bits.buffer, bits.byteOffset, words), new Uint32Array(refBits.buffer));

      // any words, including ones that read as NaN floats
      const raw = Uint32Array.from({ length: words }, () => Math.floor(rng.uniform() * 2 ** 32) >>> 0);
      const rawBits = new Float32Array(raw.buffer);
      const yRef = new Float32Array(n);
      ref.unpackSpikes(rawBits, yRef, { magnitude: 0.3 });
      const y = await runOp(gpu(), 'unpackSpikes', [rawBits, uniform(rng, n)], [1], { magnitude: 0.3, n });
      assert.deepEqual(y.buffers[1], yRef, `unpack n=${n}`);
    }
  });

  it('reduce: the sum to float64 accuracy and the non-zero count exactly (NaN counts, −0 does not)', async () => {
    const rng = new Rng(15);
    // 1 100 003 > 4096 groups × 256: invocations stride over the input
    for (const n of [1, 13, 1001, 70001, 1_100_003]) {
      const a = uniform(rng, n, -1, 3);
      const s = (await runOp(gpu(), 'reduce', [a], [], { op: 'sum', n })).result!;
      const sRef = ref.reduce(a, { op: 'sum' });
      assert.ok(Math.abs(s - sRef) <= 1e-12 * n, `sum n=${n}: ${s} vs ${sRef}`);
      for (let i = 0; i < n; i += 3) a[i] = 0;
      if (n > 1) a[1] = Number.NaN;
      if (n > 4) a[4] = -0;
      if (n > 5) a[5] = Number.POSITIVE_INFINITY;
      if (n > 7) a[7] = 1e-42; // subnormal: not zero
      const c = (await runOp(gpu(), 'reduce', [a], [], { op: 'countNonzero', n })).result;
      assert.equal(c, ref.reduce(a, { op: 'countNonzero' }), `non-zero count n=${n}`);
    }
    const inf = Float32Array.of(1, Number.POSITIVE_INFINITY, 2);
    const sInf = (await runOp(gpu(), 'reduce', [inf], [], { op: 'sum', n: 3 })).result;
    assert.equal(sInf, Number.POSITIVE_INFINITY, 'an infinite entry makes an infinite sum');
  });

  it('row sums (plain, weighted, accumulated; one pass and chunked) match the reference', async () => {
    const rng = new Rng(16);
    for (const [rows, cols] of [
      [1, 1],
      [7, 10],
      [5, 70001], // the time aggregation: few rows, many columns
      [300, 64], // 19 chunks: the second pass adds them serially
      [5000, 24], // 313 chunks: the second pass is a tree per column
      [20011, 3],
      [40, 70001], // 3 chunks of many columns
    ] as const) {
      const x = uniform(rng, rows * cols);
      const weights = Float64Array.from({ length: rows }, () => rng.uniform());
      for (const w of [undefined, weights]) {
        for (const accumulate of [false, true]) {
          const o = uniform(rng, cols),
            oRef = o.slice();
          const attrs = { rows, cols, accumulate, ...(w === undefined ? {} : { weights: w }) };
          ref.sumRows(x, oRef, attrs);
          const r = await runOp(gpu(), 'sumRows', [x, o], [1], attrs);
          assertClose(
            r.buffers[1]!,
            oRef,
            { rtol: w === undefined ? 1e-6 : 1e-5 },
            `sumRows ${rows}×${cols} weighted=${w !== undefined} accumulate=${accumulate}`,
          );
        }
      }
    }
  });

  it('softmax cross-entropy: loss, gradient, huge logits, NaN rows, bad labels, more rows than partials', async () => {
    const rng = new Rng(14);
    for (const [rows, classes] of [
      [9, 10],
      [1, 1],
      [70003, 3], // more rows than partial sums: invocations take several rows
    ] as const) {
      const logits = uniform(rng, rows * classes, -3, 6);
      const labels = Int32Array.from({ length: rows }, () => rng.int(classes));
      const gRef = new Float32Array(rows * classes);
      const lossRef = ref.softmaxCrossEntropy(logits, labels, gRef, { rows, classes });
      const r = await runOp(gpu(), 'softmaxCrossEntropy', [logits, uniform(rng, rows * classes)], [1], {
        rows,
        classes,
        labels,
      });
      const loss = r.result! / rows;
      assert.ok(Math.abs(loss - lossRef) <= 1e-6 * Math.max(1, Math.abs(lossRef)), `loss ${loss} vs ${lossRef}`);
      assertClose(r.buffers[1]!, gRef, { rtol: 1e-6 }, `softmax gradient ${rows}×${classes}`);
    }
    // Logits far beyond exp's range only work with the max subtracted; a NaN logit makes its row's loss NaN.
    for (const [big, expectNaN] of [
      [[300, 1e30, -1e30, 80, 88.5, 89], false],
      [[1, Number.NaN, 2, 3, 4, 5], true],
    ] as const) {
      const x = Float32Array.from(big);
      const labels = Int32Array.of(0, 2);
      const gRef = new Float32Array(6);
      const lossRef = ref.softmaxCrossEntropy(x, labels, gRef, { rows: 2, classes: 3 });
      const r = await runOp(gpu(), 'softmaxCrossEntropy', [x, new Float32Array(6)], [1], {
        rows: 2,
        classes: 3,
        labels,
      });
      const loss = r.result! / 2;
      const g = r.buffers[1]!;
      assert.equal(Number.isNaN(loss), expectNaN, `loss ${loss}`);
      if (!expectNaN) {
        assert.ok(Math.abs(loss - lossRef) <= 1e-6 * Math.abs(lossRef), `big logits: ${loss} vs ${lossRef}`);
        assertClose(g, gRef, { rtol: 1e-6 }, 'big-logit gradient');
      } else {
        assert.ok(g.slice(0, 3).every(Number.isNaN), 'the NaN row has NaN gradients');
        assertClose(g.slice(3), gRef.slice(3), { rtol: 1e-6 }, 'the other row is untouched by the NaN');
      }
    }
    await assert.rejects(
      runOp(gpu(), 'softmaxCrossEntropy', [new Float32Array(6), new Float32Array(6)], [1], {
        rows: 2,
        classes: 3,
        labels: Int32Array.of(1, 3),
      }),
      { code: 'E_LABEL', message: /label 3 at row 1/ },
    );
  });

  it('SGD (momentum, dampening, Nesterov, first step) and Adam steps match the reference', async () => {
    const rng = new Rng(17);
    for (const n of [3, 1001, 70001]) {
      const grad = uniform(rng, n);
      for (const opt of [
        { momentum: 0, dampening: 0, nesterov: false, firstStep: false },
        { momentum: 0.9, dampening: 0, nesterov: false, firstStep: true },
        { momentum: 0.9, dampening: 0.1, nesterov: false, firstStep: false },
        { momentum: 0.9, dampening: 0, nesterov: true, firstStep: false },
        { momentum: 0.8, dampening: 0.2, nesterov: true, firstStep: true },
      ]) {
        const p = uniform(rng, n),
          buf = uniform(rng, n);
        const pRef = p.slice(),
          bufRef = buf.slice();
        const a = { n, lr: 0.1, weightDecay: 5e-4, ...opt };
        ref.sgdStep(pRef, grad, bufRef, a);
        const r = await runOp(gpu(), 'sgdStep', [p, grad, buf], [0, 2], a);
        assertClose(r.buffers[0]!, pRef, { rtol: 1e-6 }, `sgd n=${n} ${JSON.stringify(opt)}`);
        assertClose(r.buffers[2]!, bufRef, { rtol: 1e-6 }, `sgd buffer n=${n} ${JSON.stringify(opt)}`);
        if (opt.momentum === 0) assert.deepEqual(r.buffers[2], buf, 'without momentum the buffer is not touched');
      }
      for (const step of [1, 3, 1000]) {
        const p = uniform(rng, n),
          m = uniform(rng, n, -0.1, 0.1),
          v = uniform(rng, n, 0, 0.01);
        const pRef = p.slice(),
          mRef = m.slice(),
          vRef = v.slice();
        const a = { n, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4, step };
        ref.adamStep(pRef, grad, mRef, vRef, a);
        const r = await runOp(gpu(), 'adamStep', [p, grad, m, v], [0, 2, 3], a);
        assertClose(r.buffers[0]!, pRef, { rtol: 1e-6 }, `adam param n=${n} step=${step}`);
        assertClose(r.buffers[2]!, mRef, { rtol: 1e-6 }, `adam m n=${n} step=${step}`);
        assertClose(r.buffers[3]!, vRef, { rtol: 1e-6 }, `adam v n=${n} step=${step}`);
      }
    }
  });
});
