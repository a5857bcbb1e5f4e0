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
 *  - nn/ code may read and write parameter-sized vectors (a channel's statistics, a threshold) directly; it
 *    never loops over activation-sized buffers itself.
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

export interface BatchNormAttrs {
  readonly rows: number; // every position that shares a channel's statistics: T·B·H·W for BN2d, T·B for BN1d
  readonly channels: number;
}

/** `accumulate` applies to dgamma and dbeta; dx is always overwritten. */
export interface BatchNormBackwardAttrs extends BatchNormAttrs, Accumulate {}

export interface IfAttrs {
  readonly T: number;
  readonly n: number; // neurons per time step (B·H·W·C)
  readonly vth: number;
  readonly alpha: number;
  /**
   * The membrane v [n] carried in and out, for a forward split into time chunks (nn/time-chunk.ts): read as the
   * state before the first step, overwritten with the state after the last. Absent: v starts at 0.
   */
  readonly membrane?: Buf;
}

export interface LifAttrs extends IfAttrs {
  readonly tau: number;
  readonly dt: number;
}

/**
 * The DSR clamp backward on time-aggregated tensors (spec §2.2–2.3), shared by IF, LIF and the ANN clamp:
 *   gradIn[i] = gradRep[i] · slope   where lo ≤/< mean[i] ≤/< hi (closed or open interval), else 0
 *   returns Σ gradRep[i] over mean[i] > hi — the (unscaled) threshold gradient
 */
export interface ClampBackwardAttrs {
  readonly n: number;
  readonly hi: number;
  readonly slope: number;
  readonly closed: boolean;
}

/**
 * Surrogate-gradient (BPTT) neuron with the same forward dynamics as the DSR neurons:
 *   u[t] = decay·v[t-1] + gain·I[t];  s[t] = H(u[t] − alpha·vth);  v[t] = u[t] − vth·s[t];  o[t] = spikeScale·vth·s[t]
 * IF: decay = 1, gain = 1, spikeScale = 1.  LIF: decay = λ, gain = 1 − λ, spikeScale = 1/Δt.
 * The surrogate is the logistic sigmoid of slope `slope` on the threshold-normalised membrane
 * z = (u − alpha·vth)/vth, so one slope suits both IF (vth 6) and LIF (vth 0.3). `soft` replaces the
 * Heaviside in the forward by that sigmoid: the backward is then the exact gradient, which tests check by
 * finite differences.
 */
export interface BpttAttrs {
  readonly T: number;
  readonly n: number;
  readonly vth: number;
  readonly alpha: number;
  readonly decay: number;
  readonly gain: number;
  readonly spikeScale: number;
  readonly slope: number;
  readonly soft: boolean;
}

/**
 * The elementwise family, one kernel: `out (+)= op(inputs)` element by element.
 *   fill   (no input)  out = value
 *   copy   (x)         out = x
 *   scale  (x)         out = alpha·x            (with accumulate: y += alpha·x, the axpy)
 *   clamp  (x)         out = min(max(x, lo), hi)
 *   add    (a, b)      out = a + b
 *   mul    (a, b)      out = a·b
 * The last input may be shorter than out: out's length is then a multiple of its length and it repeats, so one
 * row is added to every row (a bias) or one time step replicated over T. Every other input has out's length.
 * out may be one of the inputs (the same view: in-place), never a partial overlap.
 */
export type ElementwiseAttrs = Accumulate &
  (
    | { readonly op: 'fill'; readonly value: number }
    | { readonly op: 'copy' | 'add' | 'mul' }
    | { readonly op: 'scale'; readonly alpha: number }
    | { readonly op: 'clamp'; readonly lo: number; readonly hi: number }
  );
export type ElementwiseOp = ElementwiseAttrs['op'];

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

export type BackendName = 'reference' | 'wasm' | 'native' | 'auto';

export interface Kernels {
  readonly name: BackendName;
  /** Worker threads the backend uses (1 for the reference backend). */
  readonly threads: number;

  // ---- memory ----
  /** A zero-filled buffer of n floats that this backend's kernels accept. */
  alloc(n: number): Buf;
  /** Hands a buffer back; using it afterwards is undefined. A no-op for the reference backend. */
  free(buf: Buf): void;

  // ---- dense linear algebra ----
  gemm(a: Buf, b: Buf, c: Buf, attrs: GemmAttrs): void;
  /** y[rows, outC] (rows = batch·outH·outW) = conv(x, w) (+ bias). w is [outC, kH, kW, inC]. */
  conv2dForward(x: Buf, w: Buf, bias: Buf | null, y: Buf, g: ConvGeometry): void;
  /** dx = conv2d input-gradient of dy; overwrites dx. */
  conv2dBackwardInput(dy: Buf, w: Buf, dx: Buf, g: ConvGeometry): void;
  /** dw (and dbias, if given) = filter-gradient of dy; added into dw/dbias when `accumulate`. */
  conv2dBackwardFilter(x: Buf, dy: Buf, dw: Buf, dbias: Buf | null, attrs: ConvBackwardFilterAttrs): void;

  // ---- event-driven forwards for sparse inputs (binary spikes): only non-zero inputs do work ----
  /**
   * conv2dForward computed by scattering each non-zero input's weights: y = conv(x, w) (+ bias), equal up to
   * float summation order. wT is the weight transposed to [kH, kW, inC, outC] (contiguous in outC). A linear
   * layer is the 1×1 case (geometry.ts: linearGeometry), with wT = W transposed, [inF, outF].
   */
  conv2dSparseForward(x: Buf, wT: Buf, bias: Buf | null, y: Buf, g: ConvGeometry): void;

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
    x: Buf, dy: Buf, mean: Buf, invStd: Buf, gamma: Buf,
    dx: Buf, dgamma: Buf, dbeta: Buf, attrs: BatchNormBackwardAttrs,
  ): void;

  // ---- spiking neurons: fused multi-step forwards over time-major [T, n] ----
  /** IF (spec §1.1): spikes[T·n] get magnitude vth; rate[n] = mean over T (skipped when null). */
  ifForward(input: Buf, spikes: Buf, rate: Buf | null, a: IfAttrs): void;
  /** LIF (spec §1.2): spikes get magnitude vth/dt; rate[n] = weighted mean with weights λ^(T−t) (skipped when null). */
  lifForward(input: Buf, spikes: Buf, rate: Buf | null, a: LifAttrs): void;
  /** See ClampBackwardAttrs. Returns the threshold gradient, summed in float64. */
  clampBackward(mean: Buf, gradRep: Buf, gradIn: Buf, a: ClampBackwardAttrs): number;
  /** BPTT forward; `membrane[T·n]` keeps u[t] (before reset) for the backward. */
  bpttForward(input: Buf, spikes: Buf, membrane: Buf, a: BpttAttrs): void;
  /** BPTT backward through the whole time loop, reset path included. Returns d loss / d vth. */
  bpttBackward(membrane: Buf, gradSpikes: Buf, gradInput: Buf, a: BpttAttrs): number;

  // ---- binary spikes as bits (reference/bits.ts): 1 bit per neuron·step plus the layer's spike magnitude ----
  /** Sets bit i of `bits` (⌈n/32⌉ words in a float buffer's bytes; n = x.length) where x[i] ≠ 0, else clears it. */
  packSpikes(x: Buf, bits: Buf): void;
  /** y[i] = magnitude where bit i is set, else 0 (n = y.length): the inverse of packSpikes for binary spikes. */
  unpackSpikes(bits: Buf, y: Buf, attrs: UnpackSpikesAttrs): void;

  // ---- elementwise and reductions ----
  /** See ElementwiseAttrs: fill, copy, scale (axpy), clamp, add, mul, with a repeated last input. */
  elementwise(inputs: readonly Buf[], out: Buf, attrs: ElementwiseAttrs): void;
  /** See ReduceAttrs: Σ x, or the non-zero count that picks the event-driven or the dense forward. */
  reduce(x: Buf, attrs: ReduceAttrs): number;
  /** See SumRowsAttrs: bias gradients and the weighted time aggregation (spec §1.3, §2) in one kernel. */
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
