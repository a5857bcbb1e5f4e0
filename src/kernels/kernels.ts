/**
 * The kernel contract. Every layer, neuron and optimiser calls only these methods; a backend implements all
 * of them (a missing kernel is a compile error, not a run-time surprise). The reference backend
 * (kernels/reference/) is plain loops and is the specification every fast backend is tested against.
 *
 * Conventions shared by all kernels:
 *  - Buffers are Float32Array views that the same backend allocated with `alloc` (a fast backend may require
 *    that, to hand raw pointers to its workers). Outputs are preallocated by the caller and fully overwritten
 *    unless the attribute `accumulate` says to add into them.
 *  - Layout is channels-last and time-major (see tensor.ts): images [rows, H, W, C], features [rows, F].
 *  - Geometry is computed once in geometry.ts, so backends cannot disagree about padding or output sizes.
 *  - nn/ code may read and write parameter-sized vectors (a channel's statistics, a threshold) directly; it
 *    never loops over activation-sized buffers itself.
 */

export type Buf = Float32Array;

/** C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; op(A) is m×k, op(B) is k×n. */
export interface GemmAttrs {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly alpha: number;
  readonly beta: number;
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

export interface BatchNormAttrs {
  readonly rows: number; // every position that shares a channel's statistics: T·B·H·W for BN2d, T·B for BN1d
  readonly channels: number;
}

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
 * The DSR clamp backward on time-aggregated tensors (docs/method.md §2.2–2.3), shared by IF, LIF and the ANN clamp:
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
  conv2dBackwardFilter(x: Buf, dy: Buf, dw: Buf, dbias: Buf | null, g: ConvGeometry, accumulate: boolean): void;

  // ---- event-driven forwards for sparse inputs (binary spikes): only non-zero inputs do work ----
  /**
   * conv2dForward computed by scattering each non-zero input's weights: y = conv(x, w) (+ bias), equal up to
   * float summation order. wT is the weight transposed to [kH, kW, inC, outC] (contiguous in outC).
   */
  conv2dSparseForward(x: Buf, wT: Buf, bias: Buf | null, y: Buf, g: ConvGeometry): void;
  /** y[rows, outF] = x[rows, inF] · W^T (+ bias) over the non-zero x only; wT is W transposed, [inF, outF]. */
  linearSparseForward(x: Buf, wT: Buf, bias: Buf | null, y: Buf, rows: number, inF: number, outF: number): void;
  /** Fraction of entries that are not 0 (NaN counts as non-zero): picks the event-driven or the dense forward. */
  nonzeroFraction(x: Buf): number;

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
    dx: Buf, dgamma: Buf, dbeta: Buf, attrs: BatchNormAttrs, accumulate: boolean,
  ): void;

  // ---- spiking neurons: fused multi-step forwards over time-major [T, n] ----
  /** IF (docs/method.md §1.1): spikes[T·n] get magnitude vth; rate[n] = mean over T (skipped when null). */
  ifForward(input: Buf, spikes: Buf, rate: Buf | null, a: IfAttrs): void;
  /** LIF (docs/method.md §1.2): spikes get magnitude vth/dt; rate[n] = weighted mean with weights λ^(T−t) (skipped when null). */
  lifForward(input: Buf, spikes: Buf, rate: Buf | null, a: LifAttrs): void;
  /** out[n] = Σ_t weights[t]·x[t·n + i] (weights[T]; pass 1/T for a plain mean). */
  timeReduce(x: Buf, out: Buf, weights: Float64Array, T: number, n: number): void;
  /** out[t·n + i] = scale·x[i] for every t: the uniform replication of the DSR backward (docs/method.md §2, §6.6). */
  timeBroadcast(x: Buf, out: Buf, scale: number, T: number, n: number): void;
  /** See ClampBackwardAttrs. Returns the threshold gradient, summed in float64. */
  clampBackward(mean: Buf, gradRep: Buf, gradIn: Buf, a: ClampBackwardAttrs): number;
  /** y = clamp(x, lo, hi): the ANN activation of the same shape. */
  clamp(x: Buf, y: Buf, lo: number, hi: number): void;
  /** BPTT forward; `membrane[T·n]` keeps u[t] (before reset) for the backward. */
  bpttForward(input: Buf, spikes: Buf, membrane: Buf, a: BpttAttrs): void;
  /** BPTT backward through the whole time loop, reset path included. Returns d loss / d vth. */
  bpttBackward(membrane: Buf, gradSpikes: Buf, gradInput: Buf, a: BpttAttrs): number;

  // ---- binary spikes as bits (reference/bits.ts): 1 bit per neuron·step plus the layer's spike magnitude ----
  /** Sets bit i of `bits` (⌈n/32⌉ words in a float buffer's bytes) where x[i] ≠ 0, clears it elsewhere. */
  packSpikes(x: Buf, bits: Buf, n: number): void;
  /** y[i] = magnitude where bit i is set, else 0: the inverse of packSpikes for a binary spike buffer. */
  unpackSpikes(bits: Buf, y: Buf, n: number, magnitude: number): void;

  // ---- elementwise and reductions ----
  fill(x: Buf, value: number): void;
  copy(src: Buf, dst: Buf): void;
  /** out = a + b */
  add(a: Buf, b: Buf, out: Buf): void;
  /** out = a · b (elementwise) */
  mul(a: Buf, b: Buf, out: Buf): void;
  /** y += alpha·x */
  axpy(alpha: number, x: Buf, y: Buf): void;
  /** out = alpha·x */
  scale(x: Buf, alpha: number, out: Buf): void;
  /** Σ x, accumulated in float64. */
  sum(x: Buf): number;
  /** out[j] (+)= Σ_rows x[r·cols + j]: the bias gradient of a linear layer. */
  sumRows(x: Buf, out: Buf, rows: number, cols: number, accumulate: boolean): void;
  /** y[r·cols + j] += bias[j] */
  addRowVector(y: Buf, bias: Buf, rows: number, cols: number): void;

  // ---- loss ----
  /**
   * Mean softmax cross-entropy of logits [rows, classes] against integer labels; writes dLoss/dlogits into
   * grad (already divided by rows) and returns the loss.
   */
  softmaxCrossEntropy(logits: Buf, labels: Int32Array, grad: Buf, rows: number, classes: number): number;

  // ---- optimiser steps (one parameter tensor each) ----
  sgdStep(param: Buf, grad: Buf, momentumBuf: Buf, a: SgdAttrs): void;
  adamStep(param: Buf, grad: Buf, m: Buf, v: Buf, a: AdamAttrs): void;
}
