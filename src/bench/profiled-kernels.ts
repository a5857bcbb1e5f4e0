/**
 * Where a training step's time goes: a wrapper around a Kernels object that times every kernel call and books
 * it to the layer running it and the pass of the step, with the work the call did (FLOPs for the GEMM-like
 * kernels, bytes touched for the rest). Kernels are synchronous from the caller's side (the wasm backend's
 * workers finish before a call returns), so the wall time of a call is its cost. Only the profiler builds one:
 * training and the other benches never pay for it.
 */
import { convMacs } from '../kernels/geometry.js';
import type { ConvGeometry, GemmAttrs, Kernels } from '../kernels/kernels.js';
import { BatchNorm } from '../nn/batchnorm.js';
import type { WeightLayer } from '../nn/bn-correction.js';
import type { Layer, RunContext } from '../nn/layer.js';
import { passesSpikesThrough } from '../nn/neuron-layer.js';
import { NormBlock } from '../nn/norm-block.js';
import { isSpikingNeuron } from '../nn/walk.js';
import type { Tensor } from '../tensor.js';

export type Pass = 'forward' | 'loss' | 'backward' | 'optimiser';

/** What a kernel does; 'other' is a layer's own code between its kernel calls (bookkeeping, views, JS). */
export type Op =
  | 'gemm'
  | 'sparse-gemm'
  | 'neuron'
  | 'batch-norm'
  | 'pooling'
  | 'elementwise'
  | 'loss'
  | 'optimiser'
  | 'memory'
  | 'other';

type KernelName = { [K in keyof Kernels]: Kernels[K] extends (...a: never[]) => unknown ? K : never }[keyof Kernels];

/** Every kernel of the contract and what it does (a new kernel is a compile error here until it is sorted). */
const OP_OF: Record<KernelName, Op> = {
  alloc: 'memory',
  free: 'memory',
  toHost: 'memory',
  fromHost: 'memory',
  gemm: 'gemm',
  conv2dForward: 'gemm',
  conv2dBackwardInput: 'gemm',
  conv2dBackwardFilter: 'gemm',
  conv2dSparseForward: 'sparse-gemm',
  conv2dSparseBackwardFilter: 'sparse-gemm',
  conv2dSparseForwardCross: 'sparse-gemm',
  avgPool2dForward: 'pooling',
  avgPool2dBackward: 'pooling',
  batchNormStats: 'batch-norm',
  batchNormApply: 'batch-norm',
  batchNormBackward: 'batch-norm',
  neuronForward: 'neuron',
  neuronBackward: 'neuron',
  packSpikes: 'neuron',
  unpackSpikes: 'neuron',
  transpose: 'memory', // a copy between layouts
  elementwise: 'elementwise',
  reduce: 'elementwise',
  sumRows: 'elementwise',
  softmaxCrossEntropy: 'loss',
  sgdStep: 'optimiser',
  adamStep: 'optimiser',
};

/** The kernel-bench row whose rate bounds a call: a GEMM-like pass, or the copy bandwidth for the rest. */
export type CeilingName = 'gemm_1024' | 'conv_fwd' | 'conv_bwd_input' | 'conv_bwd_filter' | 'copy';

/** One layer × pass × op, summed over the calls of one step. */
export interface Booking {
  layer: string;
  pass: Pass;
  op: Op;
  calls: number;
  ms: number;
  /** Floating-point operations (2·MACs) of GEMM-like calls; 0 for the rest. */
  flop: number;
  /** Bytes of the float buffers the calls read and wrote (each buffer once per call), for the memory-bound ops. */
  bytes: number;
  ceiling: CeilingName | null;
}

interface Work {
  flop: number;
  bytes: number;
  ceiling: CeilingName | null;
}

/** The work of one call, from its arguments: the conv geometry or GEMM sizes, else the buffers it touches. */
function workOf(name: KernelName, args: unknown[]): Work {
  const conv = (g: unknown, ceiling: CeilingName): Work => ({
    flop: 2 * convMacs(g as ConvGeometry),
    bytes: 0,
    ceiling,
  });
  switch (name) {
    case 'gemm': {
      const a = args[3] as GemmAttrs;
      return { flop: 2 * a.m * a.n * a.k, bytes: 0, ceiling: 'gemm_1024' };
    }
    case 'conv2dForward':
      return conv(args[4], 'conv_fwd');
    case 'conv2dSparseForward':
      return conv(args[4], 'conv_fwd'); // the dense-equivalent work: what skipping zeros saves shows as a higher rate
    case 'conv2dBackwardInput':
      return conv(args[3], 'conv_bwd_input');
    case 'conv2dBackwardFilter':
      return conv(args[4], 'conv_bwd_filter');
    case 'conv2dSparseBackwardFilter':
      return conv(args[3], 'conv_bwd_filter'); // dense-equivalent, as for the sparse forward
    case 'conv2dSparseForwardCross': {
      const once = conv(args[5], 'conv_fwd'); // the forward and the filter-shaped product, dense-equivalent
      return { ...once, flop: 2 * once.flop };
    }
    case 'alloc':
    case 'free':
      return { flop: 0, bytes: 0, ceiling: null };
    default:
      return { flop: 0, bytes: 4 * floatsTouched(args), ceiling: 'copy' };
  }
}

/** Floats of the distinct Float32Arrays among the arguments and one level into their attribute objects. */
function floatsTouched(args: unknown[]): number {
  const seen = new Set<Float32Array>();
  const visit = (v: unknown, depth: number): void => {
    if (v instanceof Float32Array) seen.add(v);
    else if (depth > 0 && v !== null && typeof v === 'object' && !ArrayBuffer.isView(v))
      for (const x of Object.values(v)) visit(x, depth - 1);
  };
  for (const a of args) visit(a, 2);
  let n = 0;
  for (const b of seen) n += b.length;
  return n;
}

interface Frame {
  label: string;
  /** Milliseconds spent in kernels and child layers called from this layer. */
  inner: number;
}

/** Books kernel calls of the current step; the profiler sets the pass and reads the step's bookings. */
export class KernelProfile {
  pass: Pass = 'forward';
  private readonly stack: Frame[] = [];
  private bookings = new Map<string, Booking>();

  private book(layer: string, op: Op, ms: number, work: Work): void {
    const key = `${layer}\t${this.pass}\t${op}`;
    let b = this.bookings.get(key);
    if (b === undefined) {
      b = { layer, pass: this.pass, op, calls: 0, ms: 0, flop: 0, bytes: 0, ceiling: work.ceiling };
      this.bookings.set(key, b);
    }
    b.calls++;
    b.ms += ms;
    b.flop += work.flop;
    b.bytes += work.bytes;
  }

  /** Records one kernel call. */
  kernel(name: KernelName, args: unknown[], ms: number): void {
    const top = this.stack.at(-1);
    if (top !== undefined) top.inner += ms;
    const outside = this.pass === 'forward' || this.pass === 'backward' ? 'network' : this.pass;
    this.book(top?.label ?? outside, OP_OF[name], ms, workOf(name, args));
  }

  /** Runs a layer's forward or backward as `label`; its time outside kernels and child layers is its 'other'. */
  inLayer<R>(label: string, run: () => R): R {
    const frame: Frame = { label, inner: 0 };
    this.stack.push(frame);
    const t0 = performance.now();
    try {
      return run();
    } finally {
      const ms = performance.now() - t0;
      this.stack.pop();
      const parent = this.stack.at(-1);
      if (parent !== undefined) parent.inner += ms;
      this.book(label, 'other', Math.max(0, ms - frame.inner), { flop: 0, bytes: 0, ceiling: null });
    }
  }

  /** The bookings since the last call, in the order they were first made; starts a new step. */
  takeStep(): Booking[] {
    const out = [...this.bookings.values()];
    this.bookings = new Map();
    return out;
  }
}

/** `k` with every kernel call timed and booked into `profile`; anything else passes through unchanged. */
export function profiledKernels(k: Kernels, profile: KernelProfile): Kernels {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(k, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      let w = wrapped.get(prop);
      if (w === undefined) {
        const fn = value as (...a: unknown[]) => unknown;
        w = Object.hasOwn(OP_OF, prop)
          ? (...args: unknown[]): unknown => {
              const t0 = performance.now();
              const r = fn.apply(target, args);
              profile.kernel(prop as KernelName, args, performance.now() - t0);
              return r;
            }
          : fn.bind(target);
        wrapped.set(prop, w);
      }
      return w;
    },
  });
}

/**
 * Makes every layer of the tree book its calls into `profile`, named by its path under `root` and its kind
 * ("body.4 conv2d"). Replaces the instances' forward and backward (and forwardWithProduct, forwardRepeated) with wrappers that
 * call the originals: the numbers do not change. Returns the labels of the leaf layers (those that do the work; a container may go
 * unused, e.g. the body when the network runs its first layers once), in forward order.
 */
export function profileLayers(root: Layer, rootLabel: string, profile: KernelProfile): string[] {
  const labels: string[] = [];
  const visit = (l: Layer, path: string): void => {
    const label = `${path} ${l.kind}`;
    if (l.children().length === 0) labels.push(label);
    const forward = l.forward.bind(l);
    const backward = l.backward.bind(l) as (...args: unknown[]) => Tensor;
    // timers hand the output on untouched: a neuron keeps writing the pooling after it (nn/neuron-pool.ts)
    l.forward = passesSpikesThrough((x: Tensor, ctx: RunContext) => profile.inLayer(label, () => forward(x, ctx)));
    // every argument passes through: a batch-norm block hands its weight layer a third, the correction; and the
    // gradient is not read, so a neuron may still take its time sum before the pooling after it
    l.backward = passesSpikesThrough((...args: unknown[]) => profile.inLayer(label, () => backward(...args)));
    // the exact backward into a neuron that reads only its gradient's time sum enters here (nn/summed-backward.ts)
    const summedInput = l.backwardSummedInput?.bind(l);
    if (summedInput !== undefined)
      l.backwardSummedInput = passesSpikesThrough(
        (dy: Tensor, ctx: RunContext, weights: Float64Array, summed?: Tensor) =>
          profile.inLayer(label, () => summedInput(dy, ctx, weights, summed)),
      );
    const fromSummed = l.backwardFromSummed?.bind(l);
    if (fromSummed !== undefined)
      l.backwardFromSummed = (g, ctx, weights) => profile.inLayer(label, () => fromSummed(g, ctx, weights));
    // a conv or linear in a batch-norm block runs its forward through this entry in representation mode
    const withProduct = (l as Partial<WeightLayer>).forwardWithProduct?.bind(l);
    if (withProduct !== undefined)
      (l as WeightLayer).forwardWithProduct = (x, ctx, out, accumulate) =>
        profile.inLayer(label, () => withProduct(x, ctx, out, accumulate));
    // the first layer after the time-invariant ones is handed their output once
    const repeated = l.forwardRepeated?.bind(l);
    if (repeated !== undefined)
      l.forwardRepeated = passesSpikesThrough((x: Tensor, ctx: RunContext) =>
        profile.inLayer(label, () => repeated(x, ctx)),
      );
    // a neuron that writes the pooling after it itself (nn/neuron-pool.ts) books that pass as its own
    // and one that applies the batch-norm in front of it (nn/norm-neuron.ts) books the apply as its own: the
    // batch-norm's row then holds its statistics only
    if (isSpikingNeuron(l)) {
      const pooled = l.forwardPooled.bind(l);
      const repeatedPooled = l.forwardRepeatedPooled.bind(l);
      const normalized = l.forwardNormalized.bind(l);
      const repeatedNormalized = l.forwardRepeatedNormalized.bind(l);
      l.forwardPooled = (x, ctx, into) => profile.inLayer(label, () => pooled(x, ctx, into));
      l.forwardRepeatedPooled = (x, ctx, into) => profile.inLayer(label, () => repeatedPooled(x, ctx, into));
      l.forwardNormalized = (x, ctx, into) => profile.inLayer(label, () => normalized(x, ctx, into));
      l.forwardRepeatedNormalized = (x, ctx, into) => profile.inLayer(label, () => repeatedNormalized(x, ctx, into));
      const summed = l.backwardSummed.bind(l);
      l.backwardSummed = (g, ctx, shared) => profile.inLayer(label, () => summed(g, ctx, shared));
    }
    if (l instanceof NormBlock) {
      const unapplied = l.forwardUnapplied.bind(l);
      l.forwardUnapplied = (x, ctx) => profile.inLayer(label, () => unapplied(x, ctx));
    }
    if (l instanceof BatchNorm) {
      const statistics = l.forwardStatistics.bind(l);
      l.forwardStatistics = (x, ctx) => profile.inLayer(label, () => statistics(x, ctx));
      // the exact backward from a gradient held once for all steps (nn/shared-steps.ts) enters here
      const shared = l.backwardShared.bind(l);
      l.backwardShared = (dy, ctx, steps, weights) => profile.inLayer(label, () => shared(dy, ctx, steps, weights));
    }
    l.children().forEach((c, i) => visit(c, `${path}.${i}`));
  };
  visit(root, rootLabel);
  return labels;
}
