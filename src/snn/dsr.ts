/**
 * The DSR rule (Meng et al., CVPR 2022) in one file, as the reference code computes it (docs/method.md §1, §2):
 *  - forward: simulate the IF/LIF neuron over T steps; spikes carry magnitude Vth or Vth/Δt (§1.1, §1.2, §6.1);
 *  - representation: the (weighted) firing rate a = Σ w_t·o[t] with w = 1/T or λ^(T−t)/Σw (§1.3, §6.4);
 *  - backward: the chain rule of the clamp mapping a ≈ clamp(Ī, 0, Vth) (IF) or clamp(Ī_w/τ, 0, Vth/Δt) (LIF),
 *    with masks from the MEAN input current rather than from the spikes (§2.2, §2.3, §6.5), the input gradient
 *    replicated uniformly as 1/T over the steps (§6.6), and one scalar threshold gradient summed over every
 *    element, times Δt for LIF and the optional vthGradScale (§6.7).
 * Everything runs through the Kernels contract, so the same code serves every backend.
 */
import type { Buf, Kernels } from '../kernels/kernels.js';
import {
  type ForwardBuffers,
  forwardAttrs,
  gradientWeights,
  inputWeights,
  type NeuronModel,
  representationBackwardAttrs,
} from './description.js';

/** Vth ← max(Vth, bound), applied before every forward in training and eval (docs/method.md §2.4, §6.7). */
export function clampThreshold(vth: number, bound: number): number {
  // The code writes relu(Vth − bound) + bound; max() is the same value without its extra float32 rounding.
  return Math.max(vth, bound);
}

/**
 * Forward simulation of `input` [T, n]: spikes [T, n] and, when asked, the representation rate [n].
 * `state.membrane` (and `state.current` with a synaptic stage) [n], when given, is the state carried in from
 * earlier steps and receives the state after the last.
 */
export function simulate(
  k: Kernels,
  m: NeuronModel,
  input: Buf,
  spikes: Buf,
  rate: Buf | null,
  T: number,
  n: number,
  state: Omit<ForwardBuffers, 'rate'> = {},
): void {
  k.neuronForward(input, spikes, forwardAttrs(m, T, n, { ...state, rate }));
}

/** Ī, the representation of the input current [T, n] that the clamp mapping reads (docs/method.md §1.3, §2). */
export function represent(k: Kernels, m: NeuronModel, x: Buf, out: Buf, T: number, n: number): void {
  k.sumRows(x, out, { rows: T, cols: n, weights: inputWeights(m, T) });
}

/** Scratch for the backward: three buffers of n floats (allocated per call when not given). */
export interface DsrWork {
  readonly inputRep: Buf;
  readonly gradRep: Buf;
  readonly gradRepIn: Buf;
}

/**
 * The DSR backward from the input representation Ī (IF) / Ī_w (LIF), n floats: all it needs of the forward.
 * Writes dL/dI [T, n] into gradInput and returns dL/dVth. `work` needs gradRep and gradRepIn only.
 */
export function dsrBackwardFromRep(
  k: Kernels,
  m: NeuronModel,
  inputRep: Buf,
  gradSpikes: Buf,
  gradInput: Buf,
  T: number,
  n: number,
  work?: Pick<DsrWork, 'gradRep' | 'gradRepIn'>,
): number {
  const gradRep = work?.gradRep ?? k.alloc(n);
  const gradRepIn = work?.gradRepIn ?? k.alloc(n);
  // Gc = T·(weighted) mean over t of dL/do[t]: Σ_t dL/do[t] for IF, T·Σ_t w_t/Σw·dL/do[t] for LIF.
  k.sumRows(gradSpikes, gradRep, { rows: T, cols: n, weights: gradientWeights(m, T) });
  const gradVth = dsrBackwardFromSum(k, m, inputRep, gradRep, gradInput, T, gradRepIn);
  if (work === undefined) {
    k.free(gradRep);
    k.free(gradRepIn);
  }
  return gradVth;
}

/**
 * dsrBackwardFromRep from Gc = Σ_t gradientWeights[t]·dL/do[t] (n floats) already summed: dL/dI [T, n] into
 * gradInput, dL/dVth returned; gradRepIn is n floats of work.
 */
export function dsrBackwardFromSum(
  k: Kernels,
  m: NeuronModel,
  inputRep: Buf,
  gradRep: Buf,
  gradInput: Buf,
  T: number,
  gradRepIn: Buf,
): number {
  // Mask on Ī (closed [0, Vth] for IF, open (0, Vth·τ/Δt) for LIF), slope 1 or 1/τ; Σ Gc where saturated.
  const saturated = k.neuronBackward(gradRep, gradRepIn, representationBackwardAttrs(m, inputRep, T));
  // dI[t] = gIn/T at every step, uniformly even for LIF (docs/method.md §6.6).
  // gradRepIn repeats over gradInput's T steps (or gradInput, n floats, holds the one step they all share)
  k.elementwise([gradRepIn], gradInput, { op: 'scale', alpha: 1 / T });
  return saturated * m.vthGradFactor * m.config.vthGradScale;
}

/**
 * The DSR backward with time-summed gradients (representation mode, nn/grad-mode.ts): G = Σ_t dL/do[t] is Gc
 * itself, and the input gradient summed over the T steps of the whole forward is the masked gIn (each step
 * gets gIn/T). n floats in, n floats out: nothing here grows with T.
 */
export function dsrBackwardSummed(
  k: Kernels,
  m: NeuronModel,
  inputRep: Buf,
  gradSum: Buf,
  gradInSum: Buf,
  T: number,
): number {
  const saturated = k.neuronBackward(gradSum, gradInSum, representationBackwardAttrs(m, inputRep, T));
  return saturated * m.vthGradFactor * m.config.vthGradScale;
}

/**
 * The DSR backward for an input current that was the same at every step and given once [n]: its gradient is the
 * sum over the steps of dL/dI[t] = gIn/T, the masked gIn itself, so gradIn [n] gets gIn (no T copies).
 */
export function dsrBackwardOnce(
  k: Kernels,
  m: NeuronModel,
  inputRep: Buf,
  gradSpikes: Buf,
  gradIn: Buf,
  T: number,
  gradRep: Buf,
): number {
  k.sumRows(gradSpikes, gradRep, { rows: T, cols: gradIn.length, weights: gradientWeights(m, T) });
  return dsrBackwardSummed(k, m, inputRep, gradRep, gradIn, T);
}

/** The DSR backward from the stored input current [T, n] (what the reference code saves, docs/method.md §2.1). */
export function dsrBackward(
  k: Kernels,
  m: NeuronModel,
  input: Buf,
  gradSpikes: Buf,
  gradInput: Buf,
  T: number,
  n: number,
  work?: DsrWork,
): number {
  const inputRep = work?.inputRep ?? k.alloc(n);
  represent(k, m, input, inputRep, T, n);
  const gradVth = dsrBackwardFromRep(k, m, inputRep, gradSpikes, gradInput, T, n, work);
  if (work === undefined) k.free(inputRep);
  return gradVth;
}
