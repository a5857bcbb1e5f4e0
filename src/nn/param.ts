import type { Buf, Kernels } from '../kernels/kernels.js';

/** What a parameter is, so optimisers and exporters can treat groups differently (e.g. no decay on BN). */
export type ParamRole = 'weight' | 'bias' | 'bn-weight' | 'bn-bias' | 'threshold';

/**
 * A trainable tensor with its gradient. Names follow PyTorch state-dict style ("features.0.weight",
 * "layer1.0.relu1.vth") so checkpoints, exports and comparisons with the PyTorch peer line up.
 * `decay` says whether weight decay applies; the reference code decays everything, thresholds included.
 */
export interface Param {
  readonly name: string;
  readonly role: ParamRole;
  readonly shape: readonly number[];
  readonly value: Buf;
  readonly grad: Buf;
  decay: boolean;
}

export function makeParam(k: Kernels, name: string, role: ParamRole, shape: readonly number[]): Param {
  let n = 1;
  for (const d of shape) n *= d;
  return { name, role, shape: [...shape], value: k.alloc(n), grad: k.alloc(n), decay: true };
}

/** "features.0" + "weight" → "features.0.weight"; layers get their full path at construction. */
export function joinName(prefix: string, local: string): string {
  return prefix === '' ? local : `${prefix}.${local}`;
}
