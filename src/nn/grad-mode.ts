import type { Buf, Kernels } from '../kernels/kernels.js';
import type { Tensor } from '../tensor.js';
import { type RunContext, totalSteps } from './layer.js';
import type { Scratch } from './scratch.js';

export { GRAD_MODES, type GradMode } from './run-mode.js';

/**
 * How gradients flow between layers.
 *  - 'exact': as the reference code — every layer keeps its T·B-row input and its backward runs over T·B rows.
 *  - 'representation': DSR differentiates the representation mapping, so the gradient a DSR neuron sends down is
 *    the same at every step (dI[t] = gIn/T, docs/method.md §6.6). Layers then exchange the time-summed gradient G [B, …]
 *    instead of [T·B, …], keep only the time-mean of their input (B rows), and run their backward over B rows:
 *      conv/linear  dW = Σ_t x_tᵀ·(G/T) = x̄ᵀ·G,  G_in = Wᵀ·G            (exact for a uniform incoming gradient)
 *      batch-norm   the kernel on (x̄, G) gives Σ_t dx_t, dγ, dβ exactly    (statistics still over T×B)
 *      pooling, flatten, residual add: linear and per-step, exact; dropout: G·mean_t(mask), exact
 *      DSR neuron   Gc = G, then the clamp mask on Ī: the rule itself (docs/method.md §2.2–2.3)
 *    A batch-norm's dx_t is not uniform (it has an x̂_t term), so a conv/linear whose output reaches a BN adds
 *    a weight-sized correction gathered in the forward (nn/norm-block.ts). With it every IF gradient equals
 *    the exact backward's. What remains approximate, where the per-step gradient stops being uniform:
 *     - a dropout between a neuron and a layer that feeds a BN (VGG-11's): the time-mean mask stands in for the
 *       per-step masks against the BN's non-uniform gradient;
 *     - LIF only, below a batch-norm or a dropout: the neuron's Gc uses the plain Σ_t of the incoming gradient
 *       where the exact rule weights the steps by T·λ^(T−t)/Σλ (for IF the two coincide).
 *    test/nn.grad-mode.test.ts shows both the equalities and the size of the approximations.
 *    Cost and memory of the backward no longer grow with T (the correction's one T·B-row pass runs in the forward).
 */

/** True when this pass exchanges time-summed gradients (and T > 1, where it makes a difference). */
export function summedGradients(ctx: RunContext): boolean {
  return ctx.mode.phase === 'train' && ctx.mode.gradMode === 'representation' && totalSteps(ctx) > 1;
}

/**
 * out[i] = Σ_t weights[t]·x[t·n + i] over the T steps of x — or, in a time-chunked forward, the chunk's share
 * added to what the earlier chunks left (weights are then the chunk's slice of the whole pass's weights).
 */
export function reduceOverTime(
  k: Kernels,
  x: Buf,
  out: Buf,
  weights: Float64Array,
  T: number,
  n: number,
  ctx: RunContext,
): void {
  if (ctx.mode.steps.start === 0) {
    k.sumRows(x, out, { rows: T, cols: n, weights });
    return;
  }
  for (let t = 0; t < T; t++)
    k.elementwise([x.subarray(t * n, (t + 1) * n)], out, { op: 'scale', alpha: weights[t]!, accumulate: true });
}

/**
 * What a layer keeps of its time-major input for backward: the input itself (exact mode) or its mean over the
 * T steps, [B, …], written into `scratch` (representation mode).
 */
export function inputForBackward(x: Tensor, ctx: RunContext, scratch: Scratch): Tensor {
  if (!summedGradients(ctx)) return x;
  const T = ctx.T;
  const n = x.data.length / T;
  const mean = scratch.get(ctx.k, n);
  reduceOverTime(ctx.k, x.data, mean, new Float64Array(T).fill(1 / totalSteps(ctx)), T, n, ctx);
  return { shape: [x.shape[0]! / T, ...x.shape.slice(1)], data: mean };
}
