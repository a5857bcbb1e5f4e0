/**
 * Float64 DSR neurons for whole-network gradient checks, written from the spec and not from src/.
 *
 * DSR trains the spiking network with the gradient of its representation mapping: each neuron layer's spike
 * representation is treated as clamp(Ī, 0, Vth) for IF, clamp(Ī/τ, 0, Vth/Δt) for LIF (docs/method.md §1.4), while the
 * forward stays the spiking one. `DsrNeuron64` makes that a differentiable function of the network's
 * parameters: on its first call (at the point being checked) it simulates the spikes o[t] (docs/method.md §1.1, §1.2) and
 * keeps the residual r[t] = o[t] − g_t·m(I); every call returns g_t·m(I) + r[t]. At the checked point that is
 * the spiking forward exactly, and its derivative is the representation mapping's, so central differences of
 * a network built from these neurons give the DSR gradient (docs/method.md §2.2, §2.3):
 *   IF   m = clamp(mean_t I, 0, Vth),        g_t = 1                    (the rate is the plain mean of o)
 *   LIF  m = clamp(mean_t I / τ, 0, Vth/Δt), g_t = T·λ^(T−t)/Σ_s λ^(T−s) (the rate weights step t by λ^(T−t))
 * The LIF rule equals this chain rule where its input is the same at every step (the weighted and plain means
 * of I then agree); its threshold gradient carries the code's deliberate extra factor Δt² (docs/method.md §2.3).
 */

export interface If64 {
  readonly kind: 'if';
  readonly alpha: number;
}

export interface Lif64 {
  readonly kind: 'lif';
  readonly alpha: number;
  readonly tau: number;
  readonly dt: number;
}

export type Neuron64 = If64 | Lif64;

/** Spikes o [T·n] of input currents I [T·n] (time-major), soft reset by Vth, firing at α·Vth (docs/method.md §1.1, §1.2). */
export function spikes64(neuron: Neuron64, I: ArrayLike<number>, T: number, vth: number): Float64Array {
  const n = I.length / T;
  const o = new Float64Array(I.length);
  const leak = neuron.kind === 'lif' ? Math.exp(-neuron.dt / neuron.tau) : 1;
  const gain = neuron.kind === 'lif' ? 1 - leak : 1;
  const height = neuron.kind === 'lif' ? vth / neuron.dt : vth;
  for (let i = 0; i < n; i++) {
    let u = 0;
    for (let t = 0; t < T; t++) {
      u = leak * u + gain * I[t * n + i]!;
      if (u >= neuron.alpha * vth) {
        u -= vth;
        o[t * n + i] = height;
      }
    }
  }
  return o;
}

/** The representation mapping m(I) [n] of the mean input current over T steps. */
export function mapping64(neuron: Neuron64, I: ArrayLike<number>, T: number, vth: number): Float64Array {
  const n = I.length / T;
  const m = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let t = 0; t < T; t++) mean += I[t * n + i]!;
    mean /= T;
    m[i] =
      neuron.kind === 'lif'
        ? Math.min(Math.max(mean / neuron.tau, 0), vth / neuron.dt)
        : Math.min(Math.max(mean, 0), vth);
  }
  return m;
}

/** g_t: how much of the representation step t's output carries (T·w_t/Σw, all 1 for IF). */
export function stepShares64(neuron: Neuron64, T: number): Float64Array {
  const g = new Float64Array(T).fill(1);
  if (neuron.kind === 'if') return g;
  const leak = Math.exp(-neuron.dt / neuron.tau);
  let total = 0;
  for (let t = 0; t < T; t++) total += leak ** (T - 1 - t);
  for (let t = 0; t < T; t++) g[t] = (T * leak ** (T - 1 - t)) / total;
  return g;
}

/** A neuron layer whose spikes are frozen at the first call, differentiable through its representation. */
export class DsrNeuron64 {
  private residual: Float64Array | null = null;
  constructor(
    readonly neuron: Neuron64,
    readonly T: number,
  ) {}

  forward(I: ArrayLike<number>, vth: number): Float64Array {
    const { T } = this;
    const n = I.length / T;
    const m = mapping64(this.neuron, I, T, vth);
    const g = stepShares64(this.neuron, T);
    const out = new Float64Array(I.length);
    for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) out[t * n + i] = g[t]! * m[i]!;
    if (this.residual === null) {
      const o = spikes64(this.neuron, I, T, vth);
      this.residual = o.map((v, j) => v - out[j]!);
    }
    for (let j = 0; j < out.length; j++) out[j]! += this.residual[j]!;
    return out;
  }
}

/** The firing rate [n] of outputs o [T·n]: the mean over time for IF, the λ-weighted mean for LIF (docs/method.md §1.3). */
export function rate64(neuron: Neuron64, o: ArrayLike<number>, T: number): Float64Array {
  const n = o.length / T;
  const g = stepShares64(neuron, T);
  const a = new Float64Array(n);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) a[i]! += (g[t]! * o[t * n + i]!) / T;
  return a;
}
