/**
 * Surrogate gradients for the BPTT baseline. The forward always fires with the Heaviside step; the backward
 * uses `derivative` in its place. `primitive` is the smooth function whose derivative that is, so a test can
 * check one against the other, and the kernels' `soft` mode runs it in the forward.
 *
 * The argument is the threshold-normalised membrane z = (u − α·Vth)/Vth (kernels.ts, SurrogateBackwardAttrs), so one slope
 * suits both IF (Vth 6) and LIF (Vth 0.3).
 */
export interface Surrogate {
  readonly name: string;
  /** The smooth stand-in for H(x), with slope parameter k. */
  primitive(x: number, k: number): number;
  /** d primitive / dx. */
  derivative(x: number, k: number): number;
}

/**
 * Default slope of the sigmoid surrogate: 4, SpikingJelly's default for its Sigmoid surrogate. With z
 * normalised by Vth the surrogate is then non-negligible for u within about ±Vth of the firing level.
 */
export const DEFAULT_SURROGATE_SLOPE = 4;

/** σ(k·x) = 1/(1 + e^(−k·x)); derivative k·σ(k·x)·(1 − σ(k·x)). This is what the reference kernels use. */
export const sigmoidSurrogate: Surrogate = {
  name: 'sigmoid',
  primitive(x, k) {
    return 1 / (1 + Math.exp(-k * x));
  },
  derivative(x, k) {
    const s = 1 / (1 + Math.exp(-k * x));
    return k * s * (1 - s);
  },
};
