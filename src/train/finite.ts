import { SpikerepError } from '../errors.js';
import { HOST_VECTOR_MAX, type Kernels } from '../kernels/kernels.js';
import type { Param } from '../nn/param.js';

/** The settings a diverging run is most likely to owe its divergence to. */
export interface StepSettings {
  readonly lr: number;
  readonly weightDecay: number;
}

/**
 * Stops a run whose loss or weights stopped being finite numbers (a learning rate or weight decay far too high,
 * bad data): one line saying where and which setting to lower, thrown before the epoch's checkpoint is written, so
 * last.ckpt keeps the last good epoch. A scan of the weights costs about as much as one optimiser update, far less
 * than a training step. Weights longer than a host vector are summed by a kernel first (a sum is finite only if
 * every term is, or overflows when weights blow up), so a device backend sends one number, not the weights.
 */
export function checkFinite(
  k: Kernels,
  loss: number,
  params: readonly Param[],
  epoch: number,
  step: number,
  settings: StepSettings,
): void {
  const where = `epoch ${epoch}, step ${step}`;
  const { setting, hint } = likelyCause(settings);
  const tail = `(${hint}); the last checkpoint still holds the previous epoch`;
  if (!Number.isFinite(loss))
    throw new SpikerepError('E_NAN', `the training loss became ${loss} at ${where} ${tail}`, setting);
  for (const p of params) {
    if (p.value.length > HOST_VECTOR_MAX && Number.isFinite(k.reduce(p.value, { op: 'sum' }))) continue;
    const i = firstNonFinite(k.toHost(p.value));
    if (i >= 0)
      throw new SpikerepError('E_NAN', `weight ${p.name}[${i}] became ${p.value[i]} at ${where} ${tail}`, setting);
  }
}

/**
 * Which setting made the weights diverge. Each step scales a weight by about 1 − lr × weightDecay through the decay
 * term alone; usual weight decays (1e-5…1e-2) keep that close to 1, while one of 1 or more makes the decay itself
 * overshoot and grow the weights, whatever the learning rate.
 */
function likelyCause({ lr, weightDecay }: StepSettings): { setting: 'lr' | 'weightDecay'; hint: string } {
  if (weightDecay >= 1)
    return {
      setting: 'weightDecay',
      hint: `weight decay ${weightDecay} with learning rate ${lr}: the weights diverged; try a much lower \`weightDecay\``,
    };
  return { setting: 'lr', hint: `learning rate ${lr}: try a lower \`lr\`` };
}

/** The first index holding NaN or ±Inf, or −1. */
export function firstNonFinite(v: Float32Array): number {
  for (let i = 0; i < v.length; i++) {
    // x − x is 0 for every finite x and NaN for NaN and ±Inf
    if (v[i]! - v[i]! !== 0) return i;
  }
  return -1;
}

/**
 * Refuses a tensor read from a file when it holds NaN or ±Inf: such a model evaluates to nonsense and exports to a
 * NIR graph nothing can run. One line naming the tensor and the first bad value.
 */
export function requireFiniteTensor(v: Float32Array, tensor: string, path: string): void {
  const i = firstNonFinite(v);
  if (i >= 0)
    throw new SpikerepError(
      'E_NAN',
      `tensor ${tensor} holds ${v[i]} at index ${i}: the checkpoint's weights are not finite numbers (a diverged run?)`,
      path,
    );
}
