import { check } from '../errors.js';
import type { AdamState, Optimizer } from './optimizer.js';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/** torch.optim.Adam semantics: L2 weight decay added to the gradient (the ImageNet DSR recipe uses 0). */
export function adam(opts: AdamOptions = {}): Optimizer<AdamState> {
  const beta1 = opts.beta1 ?? 0.9;
  const beta2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  const weightDecay = opts.weightDecay ?? 0;
  check(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, `betas must be in [0, 1), got ${beta1}, ${beta2}`, 'adam');
  check(eps > 0 && weightDecay >= 0, 'eps must be > 0 and weight decay ≥ 0', 'adam');
  return {
    kind: 'adam',
    init: (params, k) => ({
      kind: 'adam',
      steps: 0,
      m: params.map((p) => k.alloc(p.value.length)),
      v: params.map((p) => k.alloc(p.value.length)),
    }),
    step(params, state, lr, k) {
      const step = state.steps + 1;
      params.forEach((p, i) =>
        k.adamStep(p.value, p.grad, state.m[i]!, state.v[i]!, {
          n: p.value.length,
          lr,
          beta1,
          beta2,
          eps,
          weightDecay: p.decay ? weightDecay : 0,
          step,
        }),
      );
      return { ...state, steps: step };
    },
  };
}
