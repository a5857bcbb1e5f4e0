/**
 * Finds and loads the optional Node-API addon (native/, built by `npm run build:native` against Debian's OpenBLAS
 * and oneDNN). It is never needed to install or run spikerep: when it is missing, `--backend native` fails with one
 * line saying how to build it, and `--backend auto` falls back to wasm.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SpikerepError } from '../../errors.js';

/** The exact commands that enable the native backend, quoted in the error a missing addon raises. */
export const NATIVE_INSTALL_HINT = 'sudo apt-get install -y libopenblas-dev libdnnl-dev && npm run build:native';

/** The addon's exports (native/src/addon.cc); buffers are read by pointer, sizes are checked in C++. */
export interface NativeAddon {
  setThreads(threads: number): void;
  setConvImpl(useOneDnn: boolean): void;
  gemm(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    alpha: number,
    beta: number,
  ): void;
  convForward(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, g: Int32Array): void;
  convBackwardInput(dy: Float32Array, w: Float32Array, dx: Float32Array, g: Int32Array): void;
  convBackwardFilter(
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
    db: Float32Array | null,
    g: Int32Array,
    accumulate: boolean,
  ): void;
  convImpls(g: Int32Array): string;
  /** Event-driven conv forward over the non-zero inputs; wT is [kH, kW, inC, outC]. */
  convSparseForward(x: Float32Array, wT: Float32Array, bias: Float32Array | null, y: Float32Array, g: Int32Array): void;
  /** Event-driven conv filter gradient (no bias) over the non-zero inputs; dw is [outC, kH, kW, inC]. */
  convSparseBackwardFilter(
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
    g: Int32Array,
    accumulate: boolean,
  ): void;
  nonzeroCount(x: Float32Array): number;
  avgPoolForward(x: Float32Array, y: Float32Array, g: Int32Array): void;
  avgPoolBackward(dy: Float32Array, dx: Float32Array, g: Int32Array): void;
  bnStats(x: Float32Array, mean: Float32Array, variance: Float32Array, rows: number, channels: number): void;
  bnApply(
    x: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    invStd: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    rows: number,
    channels: number,
  ): void;
  bnBackward(
    x: Float32Array,
    dy: Float32Array,
    mean: Float32Array,
    invStd: Float32Array,
    gamma: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    rows: number,
    channels: number,
    acc: boolean,
  ): void;
  /**
   * The fused DSR neuron; with `rate`, also rate[i] = Σ_t weights[t]·spikes[t·n + i] in the same pass. `once`: input
   * is one step [n], read at every step; with `inputRep`, inputRep[i] = Σ_t repWeights[t]·(the input at step t).
   * With channels > 0 the input is batch-normalised as it is read: norm = [mean, invStd, gamma, beta], channels each.
   */
  neuronForward(
    input: Float32Array,
    spikes: Float32Array,
    rate: Float32Array | null,
    weights: Float64Array | null,
    T: number,
    n: number,
    vth: number,
    level: number,
    decay: number,
    gain: number,
    magnitude: number,
    leaky: boolean,
    membrane: Float32Array | null,
    once: boolean,
    inputRep: Float32Array | null,
    repWeights: Float64Array | null,
    norm: Float32Array | null,
    channels: number,
  ): void;
  /**
   * neuronForward's fused DSR loop (no carried membrane) with its spikes average-pooled 2×2 at stride 2 into `out`
   * as avgPoolForward pools them; params = [T, n, once, H, W, C, vth, level, decay, gain, mag, leaky]; norm as
   * neuronForward's, over C channels.
   */
  neuronPoolForward(
    input: Float32Array,
    out: Float32Array,
    rate: Float32Array | null,
    weights: Float64Array | null,
    params: Float64Array,
    inputRep: Float32Array | null,
    repWeights: Float64Array | null,
    norm: Float32Array | null,
  ): void;
  timeReduce(x: Float32Array, out: Float32Array, weights: Float64Array, T: number, n: number): void;
  timeBroadcast(x: Float32Array, out: Float32Array, scale: number, T: number, n: number): void;
  clampBackward(
    mean: Float32Array,
    g: Float32Array,
    gi: Float32Array,
    n: number,
    hi: number,
    slope: number,
    closed: boolean,
  ): number;
  clamp(x: Float32Array, y: Float32Array, lo: number, hi: number): void;
  fill(x: Float32Array, v: number): void;
  add(a: Float32Array, b: Float32Array, out: Float32Array): void;
  mul(a: Float32Array, b: Float32Array, out: Float32Array): void;
  axpy(alpha: number, x: Float32Array, y: Float32Array): void;
  scale(x: Float32Array, alpha: number, out: Float32Array): void;
  sum(x: Float32Array): number;
  sumRows(x: Float32Array, out: Float32Array, rows: number, cols: number, acc: boolean): void;
  addRowVector(y: Float32Array, bias: Float32Array, rows: number, cols: number): void;
  /** out[r·cols + j] (+)= s[r]·x[r·cols + j] over rows = s's length. */
  scaleRows(x: Float32Array, s: Float32Array, out: Float32Array, rows: number, cols: number, acc: boolean): void;
  /** y = x [rows, cols] as [cols, rows]. */
  transpose(x: Float32Array, y: Float32Array, rows: number, cols: number): void;
  sgdStep(
    p: Float32Array,
    g: Float32Array,
    buf: Float32Array,
    n: number,
    lr: number,
    momentum: number,
    wd: number,
    dampening: number,
    nesterov: boolean,
    firstStep: boolean,
  ): void;
  adamStep(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    n: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    wd: number,
    step: number,
  ): void;
  /**
   * Every parameter set of the neuron forward; params = [T, n, decay, gain, bias, level, strict, resetToValue, vth,
   * resetValue, mag, syn, synDecay, synGain, soft, slope], float32-rounded as the reference rounds them.
   */
  neuronForwardAny(
    input: Float32Array,
    spikes: Float32Array,
    rate: Float32Array | null,
    weights: Float64Array | null,
    membrane: Float32Array | null,
    current: Float32Array | null,
    record: Float32Array | null,
    params: Float64Array,
  ): void;
  /** The surrogate (BPTT) backward; vth, level, decay, gain, mag and the synaptic stage arrive float32-rounded. */
  bpttBackward(
    membrane: Float32Array,
    gradSpikes: Float32Array,
    gradInput: Float32Array,
    T: number,
    n: number,
    vth: number,
    level: number,
    decay: number,
    gain: number,
    mag: number,
    spikeScale: number,
    slope: number,
    soft: boolean,
    syn: boolean,
    synDecay: number,
    synGain: number,
  ): number;
  softmaxCrossEntropy(
    logits: Float32Array,
    labels: Int32Array,
    grad: Float32Array,
    rows: number,
    classes: number,
  ): number;
  /** Which OpenBLAS build and core kernel, and which oneDNN instruction set, this process uses. */
  info(): { openblasConfig: string; openblasCore: string; dnnlIsa: string };
}

/** native/build/Release/ at the package root: three folders up from src/kernels/native/ and dist/kernels/native/. */
const ADDON_URL = new URL('../../../native/build/Release/spikerep_native.node', import.meta.url);

let loaded: NativeAddon | null | undefined;
let failure = '';

/** The addon, or null (with the reason in nativeUnavailableReason()) when it is not built or cannot load. */
export function loadNativeAddon(): NativeAddon | null {
  if (loaded !== undefined) return loaded;
  const path = fileURLToPath(ADDON_URL);
  if (!existsSync(path)) {
    failure = `native backend not built (no ${path}): run "${NATIVE_INSTALL_HINT}"`;
    loaded = null;
    return loaded;
  }
  // OpenMP threads (oneDNN's and the small kernels') sleep between calls instead of spinning, unless the user chose:
  // spinning threads starve OpenBLAS's pool and everything else on a small or shared machine. libgomp reads the
  // variable once, when the addon loads it; it is removed again so that child processes see the user's environment.
  const setPolicy = process.env['OMP_WAIT_POLICY'] === undefined;
  if (setPolicy) process.env['OMP_WAIT_POLICY'] = 'PASSIVE';
  try {
    loaded = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    failure = `native backend failed to load (${why}): run "${NATIVE_INSTALL_HINT}"`;
    loaded = null;
  } finally {
    if (setPolicy) delete process.env['OMP_WAIT_POLICY'];
  }
  return loaded;
}

export function nativeAvailable(): boolean {
  return loadNativeAddon() !== null;
}

/** The addon, or a one-line E_BACKEND error naming the commands that build it. */
export function requireNativeAddon(): NativeAddon {
  const addon = loadNativeAddon();
  if (addon === null) throw new SpikerepError('E_BACKEND', failure);
  return addon;
}
