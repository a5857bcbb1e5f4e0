/**
 * The native backend: GEMM through OpenBLAS, convolutions through oneDNN (im2col + OpenBLAS where oneDNN declines a
 * shape), and the neuron, batch-norm and elementwise kernels in C++ (native/src/). Buffers are plain Float32Arrays
 * that the addon reads by pointer: `alloc` hands out ordinary Float32Arrays (recycled after `free`), and any
 * Float32Array is accepted. The BPTT neuron and the softmax loss are C++ too (native/src/bptt.cc).
 * Small kernels run on OpenMP threads with fixed blocks, so results do not depend on the thread count.
 */

import { availableParallelism } from 'node:os';
import { SpikerepError } from '../../errors.js';
import { composedBatchNormBackward } from '../batchnorm-compose.js';
import { type ElementwiseLoops, runElementwise } from '../elementwise-plan.js';
import { geometryInts } from '../geometry.js';
import type {
  Buf,
  ConvGeometry,
  Kernels,
  NeuronBackwardAttrs,
  NeuronForwardAttrs,
  NeuronNormalization,
} from '../kernels.js';
import { checkLabels } from '../labels.js';
import { composedNeuronForward } from '../neuron-compose.js';
import { checkNormalized, poolsFused, runsFused } from '../neuron-fused.js';
import { packSpikes, unpackSpikes } from '../reference/bits.js';
import { checkTranspose } from '../transpose-shape.js';
import { type NativeAddon, requireNativeAddon } from './addon.js';

export { nativeAvailable } from './addon.js';

const f32 = Math.fround;

export interface NativeOptions {
  /** Threads of OpenBLAS's and oneDNN's pools (default: one per core). */
  threads?: number;
}

export function createNativeKernels(opts: NativeOptions = {}): NativeKernels {
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new SpikerepError('E_BACKEND', `threads must be an integer from 1 to 256, got ${threads}`);
  }
  return new NativeKernels(requireNativeAddon(), threads);
}

/** Freed buffers kept for reuse, per backend instance. */
const RECYCLE_BYTES = 512 * 2 ** 20;

/** The libraries' thread pools are process-wide: the count last set, so instances with different counts coexist. */
let poolThreads = -1;

/** The batch-norm constants of a normalised neuron input in one array, as the addon reads them (norm.cc). */
function normConstants(b: NeuronNormalization): Float32Array {
  const C = b.channels;
  const out = new Float32Array(4 * C);
  [b.mean, b.invStd, b.gamma, b.beta].forEach((v, i) => out.set(v.subarray(0, C), i * C));
  return out;
}

export class NativeKernels implements Kernels {
  readonly name = 'native' as const;
  private readonly geoms = new WeakMap<ConvGeometry, Int32Array>();
  private readonly spare = new Map<number, Float32Array[]>();
  private spareBytes = 0;
  /** The addon's fused elementwise loops, for runElementwise. */
  private readonly loops: ElementwiseLoops;
  constructor(
    private readonly n: NativeAddon,
    readonly threads: number,
  ) {
    const p = (): NativeAddon => this.p();
    this.loops = {
      fill: (out, value) => p().fill(out, value),
      copy: (x, out) => out.set(x),
      scale: (x, alpha, out) => p().scale(x, alpha, out),
      axpy: (alpha, x, out) => p().axpy(alpha, x, out),
      clamp: (x, out, lo, hi) => p().clamp(x, out, lo, hi),
      add: (a, b, out) => p().add(a, b, out),
      mul: (a, b, out) => p().mul(a, b, out),
      broadcast: (x, out, alpha, T, n) => p().timeBroadcast(x, out, alpha, T, n),
      addRow: (out, row, rows, cols) => p().addRowVector(out, row, rows, cols),
      scaleRows: (x, s, out, cols, accumulate) => p().scaleRows(x, s, out, s.length, cols, accumulate),
    };
  }

  /** OpenBLAS's configuration and core kernel and oneDNN's instruction set, for benchmark reports. */
  info(): { openblasConfig: string; openblasCore: string; dnnlIsa: string } {
    return this.n.info();
  }
  /** The oneDNN implementations chosen for a geometry's forward / input-gradient / filter-gradient. */
  convImplementations(g: ConvGeometry): string {
    this.pool();
    return this.n.convImpls(this.geom(g));
  }
  /** Benchmarks only: route convolutions through im2col + OpenBLAS instead of oneDNN (process-wide). */
  useOneDnn(on: boolean): void {
    this.n.setConvImpl(on);
  }

  private pool(): void {
    if (poolThreads !== this.threads) {
      this.n.setThreads(this.threads);
      poolThreads = this.threads;
    }
  }
  /** The addon, with the libraries' pools set to this instance's thread count. */
  private p(): NativeAddon {
    this.pool();
    return this.n;
  }
  private geom(g: ConvGeometry): Int32Array {
    let v = this.geoms.get(g);
    if (v === undefined) {
      v = Int32Array.from(geometryInts(g));
      this.geoms.set(g, v);
    }
    return v;
  }

  /**
   * Freed buffers are kept by length and handed out again (zeroed by the addon): a fresh large Float32Array costs
   * page faults on first touch and garbage-collector pressure every training step. Capped at RECYCLE_BYTES.
   */
  alloc(n: number): Buf {
    const spare = this.spare.get(n)?.pop();
    if (spare === undefined) return new Float32Array(n);
    this.spareBytes -= spare.byteLength;
    this.p().fill(spare, 0);
    return spare;
  }
  free(buf: Buf): void {
    if (buf.byteOffset !== 0 || buf.byteLength !== buf.buffer.byteLength) return; // a view: not ours to recycle
    if (this.spareBytes + buf.byteLength > RECYCLE_BYTES) return;
    const list = this.spare.get(buf.length);
    if (list === undefined) this.spare.set(buf.length, [buf]);
    else if (!list.includes(buf)) list.push(buf);
    else return;
    this.spareBytes += buf.byteLength;
  }
  /** Host memory: nothing to move. */
  toHost(buf: Buf): Buf {
    return buf;
  }
  fromHost(_buf: Buf): void {}

  gemm: Kernels['gemm'] = (a, b, c, t) => {
    this.p().gemm(a, b, c, t.m, t.n, t.k, t.transA, t.transB, t.alpha ?? 1, t.accumulate === true ? 1 : 0);
  };
  conv2dForward: Kernels['conv2dForward'] = (x, w, bias, y, g) => {
    this.p().convForward(x, w, bias, y, this.geom(g));
  };
  conv2dBackwardInput: Kernels['conv2dBackwardInput'] = (dy, w, dx, g) => {
    this.p().convBackwardInput(dy, w, dx, this.geom(g));
  };
  conv2dBackwardFilter: Kernels['conv2dBackwardFilter'] = (x, dy, dw, db, a) => {
    this.p().convBackwardFilter(x, dy, dw, db, this.geom(a), a.accumulate === true);
  };
  conv2dSparseBackwardFilter: Kernels['conv2dSparseBackwardFilter'] = (x, dy, dw, a) => {
    this.p().convSparseBackwardFilter(x, dy, dw, this.geom(a), a.accumulate === true);
  };
  conv2dSparseForward: Kernels['conv2dSparseForward'] = (x, wT, bias, y, g) => {
    this.p().convSparseForward(x, wT, bias, y, this.geom(g));
  };
  /** The two passes one after the other: the native event-driven kernels have no fused version. */
  conv2dSparseForwardCross: Kernels['conv2dSparseForwardCross'] = (x, wT, bias, y, cross, a) => {
    this.conv2dSparseForward(x, wT, bias, y, a);
    this.conv2dSparseBackwardFilter(x, y, cross, a);
  };
  avgPool2dForward: Kernels['avgPool2dForward'] = (x, y, g) => this.p().avgPoolForward(x, y, this.geom(g));
  avgPool2dBackward: Kernels['avgPool2dBackward'] = (dy, dx, g) => this.p().avgPoolBackward(dy, dx, this.geom(g));

  batchNormStats: Kernels['batchNormStats'] = (x, mean, v, a) => this.p().bnStats(x, mean, v, a.rows, a.channels);
  batchNormApply: Kernels['batchNormApply'] = (x, y, m, s, g, b, a) =>
    this.p().bnApply(x, y, m, s, g, b, a.rows, a.channels);
  batchNormBackward: Kernels['batchNormBackward'] = (x, dy, m, s, g, dx, dg, db, a) => {
    if (composedBatchNormBackward(this, x, dy, m, s, g, dx, dg, db, a)) return;
    this.p().bnBackward(x, dy, m, s, g, dx, dg, db, a.rows, a.channels, a.accumulate === true);
  };

  // The constants are rounded here exactly as the reference rounds them, so the C++ loop fires where it does.
  // The DSR parameter sets run the fused loop (pointwise.cc), with the batch-norm of the input (`normalized`) applied
  // as it reads it; every other set the general one (bptt.cc).
  neuronForward(input: Buf, spikes: Buf, a: NeuronForwardAttrs): void {
    checkNormalized(a);
    if (poolsFused(a) && a.membrane === undefined) {
      this.neuronPoolForward(input, spikes, a);
      return;
    }
    // the plain fused loop reads a once-given input at every step and sums the input representation itself
    if ((!runsFused(a) || a.pooled !== undefined) && composedNeuronForward(this, input, spikes, a)) return;
    const { T, n, reset: r, synapse: syn } = a;
    const rate = a.rate?.out ?? null,
      weights = a.rate?.weights ?? null;
    const decay = f32(a.decay),
      gain = f32(a.gain),
      level = f32(a.threshold),
      mag = f32(a.magnitude);
    const vth = r.kind === 'subtract' ? f32(r.amount) : 0;
    if (runsFused(a)) {
      this.p().neuronForward(
        input,
        spikes,
        rate,
        weights,
        T,
        n,
        vth,
        level,
        decay,
        gain,
        mag,
        !(decay === 1 && gain === 1),
        a.membrane ?? null,
        a.inputOnce === true,
        a.inputRep?.out ?? null,
        a.inputRep?.weights ?? null,
        a.normalized === undefined ? null : normConstants(a.normalized),
        a.normalized?.channels ?? 0,
      );
      return;
    }
    const params = Float64Array.of(
      T,
      n,
      decay,
      gain,
      f32(a.bias ?? 0),
      level,
      a.strict === true ? 1 : 0,
      r.kind === 'value' ? 1 : 0,
      vth,
      r.kind === 'value' ? f32(r.value) : 0,
      mag,
      syn === undefined ? 0 : 1,
      f32(syn?.decay ?? 0),
      f32(syn?.gain ?? 0),
      a.soft === undefined ? 0 : 1,
      a.soft?.slope ?? 0,
    );
    this.p().neuronForwardAny(
      input,
      spikes,
      rate,
      weights,
      a.membrane ?? null,
      syn?.current ?? null,
      a.record ?? null,
      params,
    );
  }
  /** The spikes pooled in the fused loop (pointwise.cc); the input representation composed as without pooling. */
  private neuronPoolForward(input: Buf, out: Buf, a: NeuronForwardAttrs & { readonly pooled: ConvGeometry }): void {
    const { T, n, pooled: g } = a;
    const decay = f32(a.decay),
      gain = f32(a.gain);
    const vth = a.reset.kind === 'subtract' ? f32(a.reset.amount) : 0;
    const leaky = decay === 1 && gain === 1 ? 0 : 1;
    const once = a.inputOnce === true ? 1 : 0;
    const mag = f32(a.magnitude);
    const params = Float64Array.of(T, n, once, g.inH, g.inW, g.inC, vth, f32(a.threshold), decay, gain, mag, leaky);
    const rep = a.inputRep ?? null;
    this.p().neuronPoolForward(
      input,
      out,
      a.rate?.out ?? null,
      a.rate?.weights ?? null,
      params,
      rep?.out ?? null,
      rep?.weights ?? null,
      a.normalized === undefined ? null : normConstants(a.normalized),
    );
  }
  neuronBackward(gradOut: Buf, gradIn: Buf, a: NeuronBackwardAttrs): number {
    if (a.mode === 'representation') {
      return this.p().clampBackward(a.inputRep, gradOut, gradIn, a.n, a.hi, a.slope, a.closed);
    }
    const vth = f32(a.vth),
      syn = a.synapse;
    return this.p().bpttBackward(
      a.membrane,
      gradOut,
      gradIn,
      a.T,
      a.n,
      vth,
      f32(a.threshold),
      f32(a.decay),
      f32(a.gain),
      f32(a.spikeScale * vth),
      a.spikeScale,
      a.slope,
      a.soft,
      syn !== undefined,
      f32(syn?.decay ?? 0),
      f32(syn?.gain ?? 0),
    );
  }
  packSpikes: Kernels['packSpikes'] = packSpikes;
  unpackSpikes: Kernels['unpackSpikes'] = unpackSpikes;

  transpose: Kernels['transpose'] = (x, y, a) => {
    checkTranspose(x, y, a);
    this.p().transpose(x, y, a.rows, a.cols);
  };
  elementwise: Kernels['elementwise'] = (inputs, out, a) => runElementwise(this.loops, this, inputs, out, a);
  reduce: Kernels['reduce'] = (x, a) => {
    if (a.op === 'sum') return this.p().sum(x);
    return x.length === 0 ? 0 : this.p().nonzeroCount(x);
  };
  /** Without weights the addon's row-blocked float64 column sums; with weights its per-neuron time reduction. */
  sumRows: Kernels['sumRows'] = (x, out, a) => {
    if (a.weights === undefined) return this.p().sumRows(x, out, a.rows, a.cols, a.accumulate === true);
    if (a.accumulate !== true) return this.p().timeReduce(x, out, a.weights, a.rows, a.cols);
    const tmp = this.alloc(a.cols);
    this.p().timeReduce(x, tmp, a.weights, a.rows, a.cols);
    this.p().add(out, tmp, out);
    this.free(tmp);
  };
  softmaxCrossEntropy: Kernels['softmaxCrossEntropy'] = (logits, labels, grad, { rows, classes }) => {
    checkLabels(labels, rows, classes); // here, for the reference's E_LABEL error
    return this.p().softmaxCrossEntropy(logits, labels, grad, rows, classes);
  };
  sgdStep: Kernels['sgdStep'] = (p, g, buf, a) =>
    this.p().sgdStep(p, g, buf, a.n, a.lr, a.momentum, a.weightDecay, a.dampening, a.nesterov, a.firstStep);
  adamStep: Kernels['adamStep'] = (p, g, m, v, a) =>
    this.p().adamStep(p, g, m, v, a.n, a.lr, a.beta1, a.beta2, a.eps, a.weightDecay, a.step);
}
