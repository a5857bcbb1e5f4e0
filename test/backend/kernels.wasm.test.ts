/**
 * The wasm backend against the reference backend (the shared suite in conformance.dense.ts) at 1 and 2 threads,
 * plus what is particular to it: work split across threads, foreign buffers, its memory, backend selection.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSpikerepError } from '../../src/errors.js';
import { createKernels, disposeKernels } from '../../src/kernels/backend.js';
import { convGeometry } from '../../src/kernels/geometry.js';
import { reference as ref } from '../../src/kernels/reference/index.js';
import type { WasmKernels } from '../../src/kernels/wasm/index.js';
import { Rng } from '../../src/rng.js';
import { denseConformance, SUMS } from '../support/conformance.dense.js';
import { assertClose } from '../support/gradcheck.js';
import { CONFIGS, plain, uniform, useBackends } from '../support/kernels.wasm-setup.js';

const backends = useBackends();

for (const cfg of CONFIGS) denseConformance(`wasm dense kernels (${cfg.label})`, () => backends.get(cfg.label)!);

describe('wasm backend memory and selection', () => {
  it('large calls are split across the threads, small ones are not', () => {
    const k = backends.get('2 threads')! as WasmKernels;
    const rng = new Rng(8);
    const a = uniform(k, rng, 128 * 128),
      c = k.alloc(128 * 128);
    const at = { m: 128, n: 128, k: 128, transA: false, transB: false };
    let before = k.parallelCalls;
    k.gemm(a, a, c, at);
    assert.equal(k.parallelCalls, before + 1);
    before = k.parallelCalls;
    k.gemm(a, a, c, { ...at, m: 4, n: 4, k: 4 });
    k.elementwise([], c.subarray(0, 1000), { op: 'fill', value: 1 });
    assert.equal(k.parallelCalls, before, 'a 4×4 gemm and a 1000-float fill stay on the main thread');
    const big = k.alloc(1 << 20);
    k.elementwise([], big, { op: 'fill', value: 1 });
    assert.equal(k.parallelCalls, before + 1, 'a million-float fill is split');
    assert.equal(big[(1 << 20) - 1], 1);
    k.free(big);
  });

  it('an event-driven forward whose entry offsets pass the int32 range still matches the reference', () => {
    // inW·inC·outC·4 = 2^31: the kernel's (iw·inC + ic)·outC·4 offsets and its row bases wrap as int32, and their
    // sums, taken modulo 2^32 as wasm32 addresses are, land on the right weights
    const k = backends.get('2 threads')!;
    const g = convGeometry({ batch: 1, inH: 1, inW: 1 << 17, inC: 64, outC: 64, kH: 1 });
    const rng = new Rng(12);
    const x = k.alloc(g.inW * g.inC);
    for (let i = 0; i < x.length; i += 1 + rng.int(400)) x[i] = 1;
    const wT = uniform(k, rng, g.inC * g.outC);
    const y = k.alloc(g.outW * g.outC),
      yRef = new Float32Array(y.length);
    k.conv2dSparseForward(x, wT, null, y, g);
    ref.conv2dSparseForward(x, wT, null, yRef, g);
    assertClose(y, yRef, SUMS, 'wide event-driven forward');
    assert.ok(yRef.some((v) => v !== 0));
    [x, wT, y].forEach((b) => k.free(b));
  });

  it("a first layer's direct conv kernels give the same bits on 1 and 2 threads", () => {
    // the narrow filter gradient sums fixed pixel slots in slot order; the forward is per image
    const one = backends.get('1 thread')!,
      two = backends.get('2 threads')!;
    for (const g of [
      convGeometry({ batch: 6, inH: 28, inW: 28, inC: 1, outC: 32, kH: 3, pad: 1 }),
      convGeometry({ batch: 3, inH: 17, inW: 15, inC: 3, outC: 16, kH: 3, stride: 2, pad: 1 }),
    ]) {
      const rng = new Rng(13);
      const host = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() - 0.5);
      const x = host(g.batch * g.inH * g.inW * g.inC),
        w = host(g.outC * g.kH * g.kW * g.inC),
        dy = host(g.batch * g.outH * g.outW * g.outC);
      const run = (k: typeof one): [Float32Array, Float32Array] => {
        const y = new Float32Array(dy.length),
          dw = new Float32Array(w.length);
        k.conv2dForward(x, w, null, y, g);
        k.conv2dBackwardFilter(x, dy, dw, null, g);
        return [y, dw];
      };
      const [y1, dw1] = run(one);
      const [y2, dw2] = run(two);
      assert.deepEqual(y2, y1, `forward ${g.inC} channels`);
      assert.deepEqual(dw2, dw1, `filter gradient ${g.inC} channels`);
      const dwRef = new Float32Array(w.length);
      ref.conv2dBackwardFilter(x, dy, dwRef, null, g);
      assertClose(dw1, dwRef, SUMS, 'and they match the reference');
    }
  });

  it("the SGD step's vector loop gives the reference's bits (float64 lanes, as its scalar arithmetic)", () => {
    const k = backends.get('2 threads')!;
    const rng = new Rng(14);
    const n = 70_001; // split across the threads, with an odd scalar tail
    for (const opt of [
      { momentum: 0, dampening: 0, nesterov: false, firstStep: false },
      { momentum: 0.9, dampening: 0, nesterov: false, firstStep: true },
      { momentum: 0.9, dampening: 0.1, nesterov: false, firstStep: false },
      { momentum: 0.9, dampening: 0, nesterov: true, firstStep: false },
    ]) {
      const p = uniform(k, rng, n),
        grad = uniform(k, rng, n),
        buf = uniform(k, rng, n);
      const pRef = plain(p),
        bufRef = plain(buf);
      const a = { n, lr: 0.1, weightDecay: 5e-4, ...opt };
      k.sgdStep(p, grad, buf, a);
      ref.sgdStep(pRef, plain(grad), bufRef, a);
      assert.deepEqual(plain(p), pRef, `parameters ${JSON.stringify(opt)}`);
      assert.deepEqual(plain(buf), bufRef, `momentum buffer ${JSON.stringify(opt)}`);
      [p, grad, buf].forEach((b) => k.free(b));
    }
  });

  it('buffers from outside its memory are copied in and out, with the same results', () => {
    const k = backends.get('2 threads')!;
    const rng = new Rng(6);
    const g = convGeometry({ batch: 2, inH: 9, inW: 9, inC: 16, outC: 24, kH: 3, pad: 1 });
    const x = plain(uniform(k, rng, 2 * 81 * 16));
    const w = plain(uniform(k, rng, 24 * 9 * 16));
    const y = new Float32Array(2 * 81 * 24),
      yRef = new Float32Array(y.length);
    k.conv2dForward(x, w, null, y, g); // the first call may grow the per-thread scratch
    const before = (k as WasmKernels).bytesInUse;
    y.fill(0);
    k.conv2dForward(x, w, null, y, g);
    ref.conv2dForward(x, w, null, yRef, g);
    assertClose(y, yRef, SUMS, 'conv with foreign buffers');
    const acc = new Float32Array(y.length).fill(1);
    k.elementwise([y], acc, { op: 'scale', alpha: 2, accumulate: true });
    assert.equal(acc[5], Math.fround(1 + 2 * y[5]!));
    assert.equal(k.reduce(new Float32Array([1, 2, 3.5]), { op: 'sum' }), 6.5);
    assert.equal((k as WasmKernels).bytesInUse, before, 'staging temporaries are freed');
  });

  it('alloc is zero-filled, reuses freed blocks, and views stay valid when the memory grows', () => {
    const k = backends.get('1 thread')!;
    const a = k.alloc(1000);
    assert.ok(a.every((v) => v === 0));
    a.fill(7);
    k.free(a);
    const b = k.alloc(1000);
    assert.equal(b.byteOffset, a.byteOffset, 'the freed block is reused');
    assert.ok(
      b.every((v) => v === 0),
      'and zeroed again',
    );
    b[999] = 42;
    const big = k.alloc(24 * 2 ** 20); // 96 MB: forces a grow
    big[big.length - 1] = 1;
    assert.equal(b[999], 42, 'a view made before the grow still reads the same memory');
    k.elementwise([], b, { op: 'fill', value: 3 }); // and kernels still accept it
    assert.equal(b[0], 3);
    k.free(big);
    k.free(b);
  });

  it('createKernels selects backends and rejects unknown names', async () => {
    assert.equal((await createKernels('reference')).name, 'reference');
    const w = await createKernels('wasm', { threads: 3 });
    assert.equal(w.name, 'wasm');
    assert.equal(w.threads, 3);
    disposeKernels(w);
    assert.equal(w.threads, 1, 'closed: main thread only');
    const x = w.alloc(8);
    w.elementwise([], x, { op: 'fill', value: 2 }); // still works after close
    assert.equal(x[7], 2);
    await assert.rejects(createKernels('cuda' as never), (e) => isSpikerepError(e) && e.code === 'E_BACKEND');
    await assert.rejects(createKernels('wasm', { threads: 0 }), (e) => isSpikerepError(e) && e.code === 'E_BACKEND');
  });
});
