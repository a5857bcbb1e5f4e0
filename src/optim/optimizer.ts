import type { Buf, Kernels } from '../kernels/kernels.js';
import type { Param } from '../nn/param.js';

/**
 * Optimisers are a pair of functions over plain-data state (no hidden fields), so a checkpoint can store the
 * state as it is. `step` reads Param.grad, updates Param.value in place and returns the new state.
 * The learning rate is passed per step because schedules (optim/schedule.ts) own it.
 */
export interface Optimizer<S extends OptimizerState = OptimizerState> {
  readonly kind: S['kind'];
  init(params: readonly Param[], k: Kernels): S;
  step(params: readonly Param[], state: S, lr: number, k: Kernels): S;
}

export type OptimizerState = SgdState | AdamState;

export interface SgdState {
  readonly kind: 'sgd';
  readonly steps: number;
  /** One momentum buffer per parameter, in params() order. */
  readonly momentum: Buf[];
}

export interface AdamState {
  readonly kind: 'adam';
  readonly steps: number;
  readonly m: Buf[];
  readonly v: Buf[];
}

/** Zeroes every gradient; call before each backward (gradients accumulate). */
export function zeroGrad(params: readonly Param[], k: Kernels): void {
  for (const p of params) k.elementwise([], p.grad, { op: 'fill', value: 0 });
}
