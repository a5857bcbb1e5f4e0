/**
 * The wasm backend: 128-bit SIMD kernels (assembly/, compiled by `npm run build:wasm`) run by the main thread and
 * (threads − 1) workers on one shared WebAssembly.Memory. `alloc` hands out views of that memory; kernels take
 * their byte offsets. Call close() when done (workers are unref'd, so forgetting it does not hang Node).
 */

import { SpikerepError } from '../../errors.js';
import { checkSharedSteps, composedBatchNormBackward } from '../batchnorm-compose.js';
import { type ElementwiseLoops, runElementwise } from '../elementwise-plan.js';
import type { Buf, Kernels } from '../kernels.js';
import { checkTranspose } from '../transpose-shape.js';
import type { WasmContext } from './context.js';
import * as dense from './dense.js';
import * as ew from './elementwise.js';
import { Heap, MAX_PAGES } from './heap.js';
import * as neuron from './neuron.js';
import * as norm from './norm.js';
import { defaultThreads, loadKernelModule } from './platform.js';
import * as pw from './pointwise.js';
import { type KernelExports, Pool } from './pool.js';
import * as sparse from './sparse.js';
import { Stager } from './stage.js';

export interface WasmOptions {
  /** Threads including the main thread (default: one per core). */
  threads?: number;
  /** Use fused multiply-add (relaxed SIMD) when the engine supports it (default true). */
  fma?: boolean;
}

export async function createWasmKernels(opts: WasmOptions = {}): Promise<WasmKernels> {
  const threads = opts.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new SpikerepError('E_BACKEND', `threads must be an integer from 1 to 256, got ${threads}`);
  }
  const { module, fma } = await loadKernelModule(opts.fma ?? true);
  const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
  const heap = new Heap(memory);
  const pool = await Pool.create(module, ex, heap, threads);
  return new WasmKernels({ ex, pool, heap, st: new Stager(heap) }, fma);
}

export class WasmKernels implements Kernels {
  readonly name = 'wasm' as const;
  private readonly c: WasmContext;
  private readonly loops: ElementwiseLoops;
  /** Whether the heavy kernels use fused multiply-add (relaxed SIMD). */
  readonly fma: boolean;
  constructor(ctx: WasmContext, fma: boolean) {
    this.c = ctx;
    this.loops = ew.elementwiseLoops(ctx);
    this.fma = fma;
  }
  get threads(): number {
    return this.c.pool.threads;
  }
  /** Bytes of the shared memory currently allocated (tests use it to check that nothing leaks). */
  get bytesInUse(): number {
    return this.c.heap.inUse;
  }
  /** Kernel calls so far that ran on more than one thread. */
  get parallelCalls(): number {
    return this.c.pool.parallelCalls;
  }
  /** Stops the worker threads; later calls run on the main thread only. */
  close(): void {
    this.c.pool.close();
  }

  alloc(n: number): Buf {
    return this.c.heap.alloc(n);
  }
  free(buf: Buf): void {
    this.c.heap.free(buf);
  }
  /** Host memory: nothing to move. */
  toHost(buf: Buf): Buf {
    return buf;
  }
  fromHost(_buf: Buf): void {}

  gemm: Kernels['gemm'] = (a, b, c, at) => dense.gemm(this.c, a, b, c, at);
  conv2dForward: Kernels['conv2dForward'] = (x, w, b, y, g) => dense.conv2dForward(this.c, x, w, b, y, g);
  conv2dBackwardInput: Kernels['conv2dBackwardInput'] = (dy, w, dx, g) =>
    dense.conv2dBackwardInput(this.c, dy, w, dx, g);
  conv2dBackwardFilter: Kernels['conv2dBackwardFilter'] = (x, dy, dw, db, a) =>
    dense.conv2dBackwardFilter(this.c, x, dy, dw, db, a);
  conv2dSparseBackwardFilter: Kernels['conv2dSparseBackwardFilter'] = (x, dy, dw, a) =>
    sparse.conv2dSparseBackwardFilter(this.c, x, dy, dw, a);
  conv2dSparseForward: Kernels['conv2dSparseForward'] = (x, wT, b, y, g) =>
    sparse.conv2dSparseForward(this.c, x, wT, b, y, g);
  conv2dSparseForwardCross: Kernels['conv2dSparseForwardCross'] = (x, wT, b, y, cross, a) =>
    sparse.conv2dSparseForwardCross(this.c, x, wT, b, y, cross, a);
  avgPool2dForward: Kernels['avgPool2dForward'] = (x, y, g) => dense.avgPool2dForward(this.c, x, y, g);
  avgPool2dBackward: Kernels['avgPool2dBackward'] = (dy, dx, g) => dense.avgPool2dBackward(this.c, dy, dx, g);

  batchNormStats: Kernels['batchNormStats'] = (x, m, v, a) => norm.batchNormStats(this.c, x, m, v, a);
  batchNormApply: Kernels['batchNormApply'] = (x, y, m, s, g, b, a) => norm.batchNormApply(this.c, x, y, m, s, g, b, a);
  batchNormBackward: Kernels['batchNormBackward'] = (x, dy, m, s, g, dx, dg, db, a) => {
    // fused: a dy shared by the steps, with or without the time sum over the same steps; the rest composed
    const T = a.sharedSteps ?? 1;
    const fused = T > 1 && (a.timeSum === undefined || a.timeSum.weights.length === T);
    if (fused) checkSharedSteps(x, dy, a);
    if (fused || !composedBatchNormBackward(this, x, dy, m, s, g, dx, dg, db, a)) {
      norm.batchNormBackward(this.c, x, dy, m, s, g, dx, dg, db, a);
    }
  };

  neuronForward: Kernels['neuronForward'] = (i, s, a) => neuron.neuronForward(this.c, this, i, s, a);
  packSpikes: Kernels['packSpikes'] = (x, b) => pw.packSpikes(this.c, x, b, x.length);
  unpackSpikes: Kernels['unpackSpikes'] = (b, y, a) => pw.unpackSpikes(this.c, b, y, y.length, a.magnitude);
  neuronBackward: Kernels['neuronBackward'] = (g, gi, a) => neuron.neuronBackward(this.c, g, gi, a);

  transpose: Kernels['transpose'] = (x, y, a) => {
    checkTranspose(x, y, a);
    pw.transpose(this.c, x, y, a.rows, a.cols);
  };
  elementwise: Kernels['elementwise'] = (inputs, out, a) => runElementwise(this.loops, this, inputs, out, a);
  reduce: Kernels['reduce'] = (x, a) => ew.reduce(this.c, x, a);
  sumRows: Kernels['sumRows'] = (x, out, a) => ew.sumRows(this.c, this, x, out, a);
  softmaxCrossEntropy: Kernels['softmaxCrossEntropy'] = (l, lab, g, a) =>
    pw.softmaxCrossEntropy(l, lab, g, a.rows, a.classes);
  sgdStep: Kernels['sgdStep'] = (p, g, m, a) => pw.sgdStep(this.c, p, g, m, a);
  adamStep: Kernels['adamStep'] = (p, g, m, v, a) => pw.adamStep(this.c, p, g, m, v, a);
}
