/**
 * The public functional API of the DSR neurons over flat time-major arrays [T, N] (row t holds the N neurons
 * at step t). Spikes carry their magnitudes (Vth, or Vth/Δt for LIF); gradSpikes is dLoss/d(spikes) per step.
 * Inputs may be any Float32Array: they are copied into buffers of the backend `k` (default: the reference
 * backend) and the results are copied out, so callers own what they get back. Layers call dsr.ts directly.
 */
import { check } from '../errors.js';
import type { Buf, Kernels } from '../kernels/kernels.js';
import { reference } from '../kernels/reference/index.js';
import { checkAlpha, checkLeak, checkTimeSteps, checkVth, IF_DEFAULTS, LIF_DEFAULTS } from './config.js';
import { dsrBackward, simulate } from './dsr.js';
import { type NeuronModel, neuronModel } from './model.js';

export { clampThreshold } from './dsr.js';

export interface NeuronForward {
  /** [T, N] spikes with their magnitudes. */
  readonly spikes: Float32Array;
  /** [N] firing rate (IF) or weighted firing rate (LIF): the spike representation, docs/method.md §1.3. */
  readonly rate: Float32Array;
}

export interface NeuronBackward {
  /** [T, N] dLoss/dinput: the masked representation gradient, replicated as 1/T over the steps. */
  readonly gradInput: Float32Array;
  /** dLoss/dVth summed over all neurons (×Δt for LIF, docs/method.md §2.3). */
  readonly gradVth: number;
}

function neuronsPerStep(input: Float32Array, T: number, where: string): number {
  checkTimeSteps(T, where);
  check(input.length % T === 0, `input length ${input.length} is not a multiple of T = ${T}`, where);
  return input.length / T;
}

function toBackend(k: Kernels, x: Float32Array): Buf {
  const b = k.alloc(x.length);
  b.set(x); // a plain write into the backend's buffer: x need not come from k.alloc
  return b;
}

function fromBackend(k: Kernels, b: Buf): Float32Array {
  const out = k.toHost(b).slice();
  k.free(b);
  return out;
}

function forward(m: NeuronModel, input: Float32Array, T: number, k: Kernels, where: string): NeuronForward {
  const n = neuronsPerStep(input, T, where);
  const x = toBackend(k, input);
  const spikes = k.alloc(T * n);
  const rate = k.alloc(n);
  simulate(k, m, x, spikes, rate, T, n);
  k.free(x);
  return { spikes: fromBackend(k, spikes), rate: fromBackend(k, rate) };
}

function backward(
  m: NeuronModel,
  input: Float32Array,
  gradSpikes: Float32Array,
  T: number,
  k: Kernels,
  where: string,
): NeuronBackward {
  const n = neuronsPerStep(input, T, where);
  check(
    gradSpikes.length === input.length,
    `gradSpikes has ${gradSpikes.length} values, input has ${input.length}`,
    where,
  );
  const x = toBackend(k, input);
  const g = toBackend(k, gradSpikes);
  const gradInput = k.alloc(T * n);
  const gradVth = dsrBackward(k, m, x, g, gradInput, T, n);
  k.free(x);
  k.free(g);
  return { gradInput: fromBackend(k, gradInput), gradVth };
}

/** The DSR neurons as plain functions; the optional last argument picks the backend. */
export const neuron = {
  /** IF forward (docs/method.md §1.1): spikes of magnitude Vth at α·Vth; rate = plain mean over T. */
  ifForward(input: Float32Array, T: number, p: { vth: number; alpha: number }, k: Kernels = reference): NeuronForward {
    checkVth(p.vth, 'neuron.ifForward');
    checkAlpha(p.alpha, 'neuron.ifForward');
    return forward(neuronModel({ ...IF_DEFAULTS, vth: p.vth, alpha: p.alpha }), input, T, k, 'neuron.ifForward');
  },

  /** IF backward (docs/method.md §2.2): mask 0 ≤ Ī ≤ Vth, dI = Σ_t g/T per step, dVth = Σ Gc where Ī > Vth. */
  ifBackward(
    input: Float32Array,
    gradSpikes: Float32Array,
    T: number,
    p: { vth: number },
    k: Kernels = reference,
  ): NeuronBackward {
    checkVth(p.vth, 'neuron.ifBackward');
    return backward(neuronModel({ ...IF_DEFAULTS, vth: p.vth }), input, gradSpikes, T, k, 'neuron.ifBackward');
  },

  /** LIF forward (docs/method.md §1.2): spikes of magnitude Vth/Δt; rate = weighted mean, weights λ^(T−t)/Σw. */
  lifForward(
    input: Float32Array,
    T: number,
    p: { vth: number; alpha: number; tau: number; dt: number },
    k: Kernels = reference,
  ): NeuronForward {
    checkVth(p.vth, 'neuron.lifForward');
    checkAlpha(p.alpha, 'neuron.lifForward');
    checkLeak(p.tau, p.dt, 'neuron.lifForward');
    const m = neuronModel({ ...LIF_DEFAULTS, vth: p.vth, alpha: p.alpha, tau: p.tau, dt: p.dt });
    return forward(m, input, T, k, 'neuron.lifForward');
  },

  /** LIF backward (docs/method.md §2.3): mask 0 < Ī_w < Vth·τ/Δt, slope 1/τ, dI uniform 1/T, dVth ×Δt. */
  lifBackward(
    input: Float32Array,
    gradSpikes: Float32Array,
    T: number,
    p: { vth: number; tau: number; dt: number },
    k: Kernels = reference,
  ): NeuronBackward {
    checkVth(p.vth, 'neuron.lifBackward');
    checkLeak(p.tau, p.dt, 'neuron.lifBackward');
    const m = neuronModel({ ...LIF_DEFAULTS, vth: p.vth, tau: p.tau, dt: p.dt });
    return backward(m, input, gradSpikes, T, k, 'neuron.lifBackward');
  },
} as const;
