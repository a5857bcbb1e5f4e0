/**
 * The wasm backend: 128-bit SIMD kernels (assembly/, compiled by `npm run build:wasm`) run by the main thread and
 * (threads − 1) workers on one shared WebAssembly.Memory. `alloc` hands out views of that memory; kernels take
 * their byte offsets. Call close() when done (workers are unref'd, so forgetting it does not hang Node).
 */
import type { Buf, Kernels } from '../kernels.js';
import { SpikerepError } from '../../errors.js';
import type { WasmContext } from './context.js';
import * as dense from './dense.js';
import * as norm from './norm.js';
import * as pw from './pointwise.js';
import * as neuron from './neuron.js';
import * as sparse from './sparse.js';
import { Heap, MAX_PAGES } from './heap.js';
import { defaultThreads, loadKernelModule } from './platform.js';
import { Pool, type KernelExports } from './pool.js';
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
  /** Whether the heavy kernels use fused multiply-add (relaxed SIMD). */
  readonly fma: boolean;
  constructor(ctx: WasmContext, fma: boolean) {
    this.c = ctx;
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

  gemm: Kernels['gemm'] = (a, b, c, at) => dense.gemm(this.c, a, b, c, at);
  conv2dForward: Kernels['conv2dForward'] = (x, w, b, y, g) => dense.conv2dForward(this.c, x, w, b, y, g);
  conv2dBackwardInput: Kernels['conv2dBackwardInput'] = (dy, w, dx, g) => dense.conv2dBackwardInput(this.c, dy, w, dx, g);
  conv2dBackwardFilter: Kernels['conv2dBackwardFilter'] = (x, dy, dw, db, g, acc) =>
    dense.conv2dBackwardFilter(this.c, x, dy, dw, db, g, acc);
  conv2dSparseForward: Kernels['conv2dSparseForward'] = (x, wT, b, y, g) => sparse.conv2dSparseForward(this.c, x, wT, b, y, g);
  linearSparseForward: Kernels['linearSparseForward'] = (x, wT, b, y, rows, inF, outF) =>
    sparse.linearSparseForward(this.c, x, wT, b, y, rows, inF, outF);
  nonzeroFraction: Kernels['nonzeroFraction'] = (x) => sparse.nonzeroFraction(this.c, x);
  avgPool2dForward: Kernels['avgPool2dForward'] = (x, y, g) => dense.avgPool2dForward(this.c, x, y, g);
  avgPool2dBackward: Kernels['avgPool2dBackward'] = (dy, dx, g) => dense.avgPool2dBackward(this.c, dy, dx, g);

  batchNormStats: Kernels['batchNormStats'] = (x, m, v, a) => norm.batchNormStats(this.c, x, m, v, a);
  batchNormApply: Kernels['batchNormApply'] = (x, y, m, s, g, b, a) => norm.batchNormApply(this.c, x, y, m, s, g, b, a);
  batchNormBackward: Kernels['batchNormBackward'] = (x, dy, m, s, g, dx, dg, db, a, acc) =>
    norm.batchNormBackward(this.c, x, dy, m, s, g, dx, dg, db, a, acc);

  neuronForward: Kernels['neuronForward'] = (i, s, a) => neuron.neuronForward(this.c, i, s, a);
  packSpikes: Kernels['packSpikes'] = (x, b, n) => pw.packSpikes(this.c, x, b, n);
  unpackSpikes: Kernels['unpackSpikes'] = (b, y, n, m) => pw.unpackSpikes(this.c, b, y, n, m);
  timeReduce: Kernels['timeReduce'] = (x, o, w, T, n) => pw.timeReduce(this.c, x, o, w, T, n);
  timeBroadcast: Kernels['timeBroadcast'] = (x, o, s, T, n) => pw.timeBroadcast(this.c, x, o, s, T, n);
  clamp: Kernels['clamp'] = (x, y, lo, hi) => pw.clamp(this.c, x, y, lo, hi);
  neuronBackward: Kernels['neuronBackward'] = (g, gi, a) => neuron.neuronBackward(this.c, g, gi, a);

  fill: Kernels['fill'] = (x, v) => pw.fill(this.c, x, v);
  copy: Kernels['copy'] = (s, d) => pw.copy(this.c, s, d);
  add: Kernels['add'] = (a, b, o) => pw.add(this.c, a, b, o);
  mul: Kernels['mul'] = (a, b, o) => pw.mul(this.c, a, b, o);
  axpy: Kernels['axpy'] = (al, x, y) => pw.axpy(this.c, al, x, y);
  scale: Kernels['scale'] = (x, al, o) => pw.scale(this.c, x, al, o);
  sum: Kernels['sum'] = (x) => pw.sum(this.c, x);
  sumRows: Kernels['sumRows'] = (x, out, rows, cols, acc) => {
    const px = this.c.st.in(x);
    try {
      dense.columnSums(this.c, px, rows, cols, out, acc);
    } finally {
      this.c.st.done();
    }
  };
  addRowVector: Kernels['addRowVector'] = (y, b, rows, cols) => pw.addRowVector(this.c, y, b, rows, cols);
  softmaxCrossEntropy: Kernels['softmaxCrossEntropy'] = pw.softmaxCrossEntropy;
  sgdStep: Kernels['sgdStep'] = (p, g, m, a) => pw.sgdStep(this.c, p, g, m, a);
  adamStep: Kernels['adamStep'] = (p, g, m, v, a) => pw.adamStep(this.c, p, g, m, v, a);
}
