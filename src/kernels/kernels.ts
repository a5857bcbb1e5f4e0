/**
 * The kernel contract. Every layer, neuron and optimiser calls only these methods; a backend implements all
 * of them (a missing kernel is a compile error, not a run-time surprise). The reference backend
 * (kernels/reference/) is plain loops and is the specification every fast backend is tested against.
 *
 * Conventions shared by all kernels:
 *  - One calling style: a kernel takes its buffers (inputs, then outputs), then at most ONE attribute object
 *    holding every size, flag and scalar (`gemm(a, b, c, attrs)`). No scalar or boolean is positional.
 *  - One accumulation convention: outputs are preallocated by the caller and fully overwritten, unless the
 *    attribute `accumulate` is true — then the kernel adds its result into them (`out += result`). A kernel
 *    whose doc does not name `accumulate` always overwrites; the gradients w.r.t. activations (dx) always do.
 *    (The optimiser steps update a parameter and its state in place: that is their job, not an accumulation.)
 *  - Buffers are Float32Array views that the same backend allocated with `alloc` (a fast backend may require
 *    that, to hand raw pointers to its workers).
 *  - Layout is channels-last and time-major (see tensor.ts): images [rows, H, W, C], features [rows, F].
 *  - Geometry is computed once in geometry.ts, so backends cannot disagree about padding or output sizes.
 *  - nn/ code may read and write parameter-sized vectors (a channel's statistics, a threshold: at most
 *    HOST_VECTOR_MAX floats) directly; it never loops over activation-sized buffers itself. Any other host access
 *    to a buffer goes through toHost (before reading) and fromHost (after writing): a backend whose memory is not
 *    the host's (webgpu) keeps larger buffers on its device between kernels.
 */

export type Buf = Float32Array;

/** The accumulation attribute of every kernel that supports it (see the conventions above); absent: overwrite. */
export interface Accumulate {
  readonly accumulate?: boolean;
}

/** C[m×n] (+)= alpha · op(A) · op(B), row-major; op(A) is m×k, op(B) is k×n. */
export interface GemmAttrs extends Accumulate {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  /** Default 1. */
  readonly alpha?: number;
}

/** A 2-D convolution or pooling window over channels-last images; made by geometry.ts. */
export interface ConvGeometry {
  readonly batch: number; // rows of the image tensor (T·B, or B)
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outC: number; // equals inC for pooling
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly outH: number;
  readonly outW: number;
}

/** The filter-gradient accumulates into dw (and dbias) across the steps of a batch. */
export interface ConvBackwardFilterAttrs extends ConvGeometry, Accumulate {}

/** conv2dSparseForwardCross: the geometry, and `accumulate` for cross (y is always overwritten). */
export interface SparseForwardCrossAttrs extends ConvGeometry, Accumulate {}

export interface BatchNormAttrs {
  readonly rows: number; // every position that shares a channel's statistics: T·B·H·W for BN2d, T·B for BN1d
  readonly channels: number;
}

/** `accumulate` applies to dgamma and dbeta; dx is always overwritten. */
export interface BatchNormBackwardAttrs extends BatchNormAttrs, Accumulate {
  /**
   * dy holds one step's gradient, [rows/sharedSteps, channels], the same at each of the sharedSteps time-major
   * steps of x (a DSR neuron's input gradient, uniform in time): as if it were repeated, without the copies.
   */
  readonly sharedSteps?: number;
  /**
   * Also timeSum.out[r] = Σ_t weights[t]·dx[t·R + r], R = rows/T, T = weights.length: the time sum that the
   * input-gradient pass of the conv or linear layer in front needs (nn/summed-backward.ts), from the same pass.
   */
  readonly timeSum?: { readonly out: Buf; readonly weights: Float64Array };
}

/**
 * One multi-step neuron over time-major [T, n] (docs/method.md §1), every step in float32 as the reference code rounds it:
 *   c[t] = synapse.decay·c[t−1] + synapse.gain·x[t]        (the optional synaptic-current stage; else c[t] = x[t])
 *   u[t] = f32(f32(decay·v[t−1]) + bias) + f32(gain·c[t])   (u: the membrane before reset)
 *   s[t] = u[t] ≥ threshold, or u[t] > threshold when `strict`
 *   v[t] = u[t] − reset.amount·s[t] (reset by subtraction), or reset.value where s[t] = 1 (reset to a value)
 *   spikes[t] = magnitude·s[t]
 * IF, LIF, CubaLIF, the BPTT baseline and NIR's hard-reset neuron are parameter sets of this rule; the caller
 * computes every constant (snn/description.ts), the kernels only round them to float32.
 */
export interface NeuronForwardAttrs {
  readonly T: number;
  readonly n: number; // neurons per time step (B·H·W·C)
  /**
   * The input is one step's current [n], the same at every step (the time-invariant first layers of direct
   * encoding): read once per neuron instead of T times, and never repeated T times in memory.
   */
  readonly inputOnce?: boolean;
  readonly decay: number;
  readonly gain: number;
  /** Constant drive added every step (NIR's v_leak term); 0 when absent. */
  readonly bias?: number;
  /** The firing level (α·Vth for the DSR neurons). */
  readonly threshold: number;
  /** Fire on u > threshold (NIR) instead of u ≥ threshold (the DSR code, docs/method.md §6.2). */
  readonly strict?: boolean;
  readonly reset:
    | { readonly kind: 'subtract'; readonly amount: number }
    | { readonly kind: 'value'; readonly value: number };
  readonly magnitude: number;
  /** The synaptic-current stage; `current` [n], when given, is carried like `membrane`. */
  readonly synapse?: { readonly decay: number; readonly gain: number; readonly current?: Buf };
  /**
   * The membrane v [n] carried in and out, for a forward split into time chunks (nn/time-chunk.ts): read as the
   * state before the first step, overwritten with the state after the last. Absent: v starts at 0.
   */
  readonly membrane?: Buf;
  /** Receives u[t] (before reset) for all T steps [T·n]: what the surrogate backward needs. */
  readonly record?: Buf;
  /** rate.out[i] = Σ_t rate.weights[t]·spikes[t·n + i]: the spike representation (docs/method.md §1.3), fused in. */
  readonly rate?: { readonly out: Buf; readonly weights: Float64Array };
  /**
   * inputRep.out[i] = Σ_t inputRep.weights[t]·input[t·n + i] (the input at every step with `inputOnce`): the input
   * representation Ī the DSR backward needs (docs/method.md §1.3), as sumRows gives it, from the same read.
   */
  readonly inputRep?: { readonly out: Buf; readonly weights: Float64Array };
  /**
   * Replaces the Heaviside by s = σ(slope·(u − threshold)/reset.amount): a smooth forward whose exact gradient
   * is the surrogate backward, which tests check by finite differences. Reset by subtraction only.
   */
  readonly soft?: { readonly slope: number };
  /**
   * The spikes average-pooled: `spikes` receives avgPool2dForward(spikes, pooled) [pooled.batch·outH·outW·C]
   * instead of the spikes [T·n], bit for bit as that kernel gives it, and the spikes are never written (a neuron
   * whose only reader is a pooling layer, nn/neuron-pool.ts). pooled.batch·inH·inW·inC = T·n. `rate` and
   * `inputRep` are still per neuron.
   */
  readonly pooled?: ConvGeometry;
  /**
   * The neuron's input is `input` batch-normalised: batchNormApply(input, …, this) exactly as this backend's own
   * batchNormApply computes it (rows = the input's length / channels), applied on the fly so that the normalised
   * current is never written (a batch-norm whose only reader is this neuron, nn/norm-neuron.ts). `inputRep` is
   * the representation of the normalised input.
   */
  readonly normalized?: NeuronNormalization;
}

/** Per-channel batch-norm constants [channels] of a normalised neuron input: y = (x − mean)·invStd·gamma + beta. */
export interface NeuronNormalization {
  readonly mean: Buf;
  readonly invStd: Buf;
  readonly gamma: Buf;
  readonly beta: Buf;
  readonly channels: number;
}

/**
 * The DSR backward on time-aggregated [n] tensors (docs/method.md §2.2–2.3), shared by IF, LIF, CubaLIF and the ANN clamp:
 *   gradIn[i] = gradOut[i]·slope   where 0 ≤/< inputRep[i] ≤/< hi (closed or open interval), else 0
 *   returns Σ gradOut[i] over inputRep[i] > hi — the (unscaled) threshold gradient, summed in float64
 */
export interface RepresentationBackwardAttrs {
  readonly mode: 'representation';
  readonly n: number;
  readonly inputRep: Buf;
  readonly hi: number;
  readonly slope: number;
  readonly closed: boolean;
}

/**
 * Backpropagation through the whole time loop of a forward that recorded u[t] (`membrane`), reset by subtracting
 * vth, with the surrogate σ'(z) of the logistic sigmoid of slope `slope` on z = (u − threshold)/vth in place of
 * H'(z), so one slope suits both IF (vth 6) and LIF (vth 0.3). The constants are the forward's (threshold =
 * α·vth, magnitude = spikeScale·vth). `soft`: the forward ran soft, so this is its exact gradient.
 * gradIn receives dL/dx [T·n]; returns dL/dvth.
 */
export interface SurrogateBackwardAttrs {
  readonly mode: 'surrogate';
  readonly T: number;
  readonly n: number;
  readonly membrane: Buf;
  readonly vth: number;
  readonly threshold: number;
  readonly decay: number;
  readonly gain: number;
  readonly spikeScale: number;
  readonly synapse?: { readonly decay: number; readonly gain: number };
  readonly slope: number;
  readonly soft: boolean;
}

export type NeuronBackwardAttrs = RepresentationBackwardAttrs | SurrogateBackwardAttrs;

/**
 * The elementwise family, one kernel: `out (+)= op(inputs)` element by element.
 *   fill   (no input)  out = value
 *   copy   (x)         out = x
 *   scale  (x)         out = alpha·x            (with accumulate: y += alpha·x, the axpy)
 *   clamp  (x)         out = min(max(x, lo), hi)
 *   add    (a, b)      out = a + b
 *   mul    (a, b)      out = a·b
 *   scaleRows (x, s)   out[r·cols + j] = s[r]·x[r·cols + j]   (with accumulate: out += s[r]·x, an axpy per row)
 * The last input may be shorter than out: out's length is then a multiple of its length and it repeats, so one
 * row is added to every row (a bias) or one time step replicated over T. Every other input has out's length.
 * scaleRows is the exception: its last input s holds one factor per row (rows = s.length, cols = out.length / rows),
 * a per-channel scale of a weight-shaped [outC, …] buffer in one call; each element rounds as 'scale' rounds it.
 * out may be one of the inputs (the same view: in-place), never a partial overlap.
 */
export type ElementwiseAttrs = Accumulate &
  (
    | { readonly op: 'fill'; readonly value: number }
    | { readonly op: 'copy' | 'add' | 'mul' | 'scaleRows' }
    | { readonly op: 'scale'; readonly alpha: number }
    | { readonly op: 'clamp'; readonly lo: number; readonly hi: number }
  );
export type ElementwiseOp = ElementwiseAttrs['op'];

/** y[c·rows + r] = x[r·cols + c]: x [rows, cols] written as [cols, rows]; x and y hold rows·cols floats each. */
export interface TransposeAttrs {
  readonly rows: number;
  readonly cols: number;
}

/** A whole-buffer reduction, in float64: Σ x ('sum'), or the count of entries that are not 0, NaN included. */
export interface ReduceAttrs {
  readonly op: 'sum' | 'countNonzero';
}

/**
 * out[j] (+)= Σ_r weights[r]·x[r·cols + j] over x[rows, cols]: a bias gradient (no weights: all 1), or the
 * time aggregation of a time-major [T, n] buffer (rows = T, weights = the representation weights).
 */
export interface SumRowsAttrs extends Accumulate {
  readonly rows: number;
  readonly cols: number;
  readonly weights?: Float64Array;
}

export interface UnpackSpikesAttrs {
  /** The value of a set bit (the layer's spike magnitude). */
  readonly magnitude: number;
}

export interface SoftmaxAttrs {
  readonly rows: number;
  readonly classes: number;
}

export interface SgdAttrs {
  readonly n: number;
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  /** PyTorch starts the momentum buffer from the first gradient instead of decaying from zero. */
  readonly firstStep: boolean;
}

export interface AdamAttrs {
  readonly n: number;
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number; // L2 added to the gradient (torch.optim.Adam), not decoupled
  readonly step: number; // 1-based step count, for bias correction
}

export type BackendName = 'reference' | 'wasm' | 'native' | 'webgpu' | 'auto';

/** The longest vector the host may read and write directly between kernel calls (see the conventions above). */
export const HOST_VECTOR_MAX = 16384;

export interface Kernels {
  readonly name: BackendName;
  /** Worker threads the backend uses (1 for the reference backend). */
  readonly threads: number;

  // ---- memory ----
  /** A zero-filled buffer of n floats that this backend's kernels accept. */
  alloc(n: number): Buf;
  /** Hands a buffer back; using it afterwards is undefined. A no-op for the reference backend. */
  free(buf: Buf): void;
  /** Makes buf's host view hold what kernels last wrote to it, and returns it (nothing to do on CPU backends). */
  toHost(buf: Buf): Buf;
  /** Says the host changed buf's values (a loaded batch, restored weights), so later kernels see them. */
  fromHost(buf: Buf): void;

  // ---- dense linear algebra ----
  gemm(a: Buf, b: Buf, c: Buf, attrs: GemmAttrs): void;
  /** y[rows, outC] (rows = batch·outH·outW) = conv(x, w) (+ bias). w is [outC, kH, kW, inC]. */
  conv2dForward(x: Buf, w: Buf, bias: Buf | null, y: Buf, g: ConvGeometry): void;
  /** dx = conv2d input-gradient of dy; overwrites dx. */
  conv2dBackwardInput(dy: Buf, w: Buf, dx: Buf, g: ConvGeometry): void;
  /** dw (and dbias, if given) = filter-gradient of dy; added into dw/dbias when `accumulate`. */
  conv2dBackwardFilter(x: Buf, dy: Buf, dw: Buf, dbias: Buf | null, attrs: ConvBackwardFilterAttrs): void;

  // ---- event-driven forward and filter gradient for sparse inputs (spikes): only non-zero inputs do work ----
  /**
   * conv2dForward computed by scattering each non-zero input's weights: y = conv(x, w) (+ bias), equal up to
   * float summation order. wT is the weight transposed to [kH, kW, inC, outC] (contiguous in outC). A linear
   * layer is the 1×1 case (geometry.ts: linearGeometry), with wT = W transposed, [inF, outF].
   */
  conv2dSparseForward(x: Buf, wT: Buf, bias: Buf | null, y: Buf, g: ConvGeometry): void;
  /**
   * conv2dBackwardFilter's dw (no bias) from the non-zero inputs only: each non-zero x adds x·dy of every output
   * it reaches to its taps' weights. Equal up to float summation order; the work follows the spike count. A
   * linear layer's dW = dyᵀ·x is the 1×1 case.
   */
  conv2dSparseBackwardFilter(x: Buf, dy: Buf, dw: Buf, attrs: ConvBackwardFilterAttrs): void;
  /**
   * conv2dSparseForward, and cross (+)= Σ_rows x ⊗ y in the same pass: conv2dSparseBackwardFilter(x, y, cross) with
   * the output just computed, the product the representation-mode batch-norm correction gathers
   * (nn/bn-correction.ts). cross has dw's layout, [outC, kH, kW, inC] ([outF, inF] for a linear layer);
   * `accumulate` applies to cross only.
   */
  conv2dSparseForwardCross(x: Buf, wT: Buf, bias: Buf | null, y: Buf, cross: Buf, attrs: SparseForwardCrossAttrs): void;

  // ---- pooling (average; padding counted as zeros, like PyTorch's count_include_pad=True) ----
  avgPool2dForward(x: Buf, y: Buf, g: ConvGeometry): void;
  avgPool2dBackward(dy: Buf, dx: Buf, g: ConvGeometry): void;

  // ---- batch-norm over [rows, channels] ----
  /** Per-channel mean and biased variance over all rows. */
  batchNormStats(x: Buf, mean: Buf, variance: Buf, attrs: BatchNormAttrs): void;
  /** y = (x − mean)·invStd·gamma + beta, per channel. Used in training (batch stats) and eval (running stats). */
  batchNormApply(x: Buf, y: Buf, mean: Buf, invStd: Buf, gamma: Buf, beta: Buf, attrs: BatchNormAttrs): void;
  /**
   * Backward of batchNormApply with batch statistics (the gradient flows through mean and variance too).
   * dx is overwritten; dgamma/dbeta are added into when `accumulate`, else overwritten.
   */
  batchNormBackward(
    x: Buf,
    dy: Buf,
    mean: Buf,
    invStd: Buf,
    gamma: Buf,
    dx: Buf,
    dgamma: Buf,
    dbeta: Buf,
    attrs: BatchNormBackwardAttrs,
  ): void;

  // ---- spiking neurons: one fused multi-step forward over time-major [T, n] and its backward ----
  /** See NeuronForwardAttrs: spikes[T·n] (or their pooling, `pooled`) from input[T·n]. */
  neuronForward(input: Buf, spikes: Buf, a: NeuronForwardAttrs): void;
  /** See RepresentationBackwardAttrs and SurrogateBackwardAttrs. Returns the threshold gradient. */
  neuronBackward(gradOut: Buf, gradIn: Buf, a: NeuronBackwardAttrs): number;

  // ---- binary spikes as bits (reference/bits.ts): 1 bit per neuron·step plus the layer's spike magnitude ----
  /** Sets bit i of `bits` (⌈n/32⌉ words in a float buffer's bytes; n = x.length) where x[i] ≠ 0, else clears it. */
  packSpikes(x: Buf, bits: Buf): void;
  /** y[i] = magnitude where bit i is set, else 0 (n = y.length): the inverse of packSpikes for binary spikes. */
  unpackSpikes(bits: Buf, y: Buf, attrs: UnpackSpikesAttrs): void;

  // ---- layout ----
  /**
   * See TransposeAttrs: a weight [outC, K] as [K, outC], the layout of the event-driven forward's wT (a copy:
   * every backend's result is bit-identical to the reference's). y never overlaps x.
   */
  transpose(x: Buf, y: Buf, attrs: TransposeAttrs): void;

  // ---- elementwise and reductions ----
  /** See ElementwiseAttrs: fill, copy, scale (axpy), clamp, add, mul, scaleRows, with a repeated last input. */
  elementwise(inputs: readonly Buf[], out: Buf, attrs: ElementwiseAttrs): void;
  /** See ReduceAttrs: Σ x, or the non-zero count that picks the event-driven or the dense forward. */
  reduce(x: Buf, attrs: ReduceAttrs): number;
  /** See SumRowsAttrs: bias gradients and the weighted time aggregation (docs/method.md §1.3, §2) in one kernel. */
  sumRows(x: Buf, out: Buf, attrs: SumRowsAttrs): void;

  // ---- loss ----
  /**
   * Mean softmax cross-entropy of logits [rows, classes] against integer labels; writes dLoss/dlogits into
   * grad (already divided by rows) and returns the loss.
   */
  softmaxCrossEntropy(logits: Buf, labels: Int32Array, grad: Buf, attrs: SoftmaxAttrs): number;

  // ---- optimiser steps (one parameter tensor each) ----
  sgdStep(param: Buf, grad: Buf, momentumBuf: Buf, a: SgdAttrs): void;
  adamStep(param: Buf, grad: Buf, m: Buf, v: Buf, a: AdamAttrs): void;
}
