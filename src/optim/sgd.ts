import { check } from '../errors.js';
import type { Optimizer, SgdState } from './optimizer.js';

export interface SgdOptions {
  momentum?: number;
  weightDecay?: number;
  dampening?: number;
  nesterov?: boolean;
}

/**
 * torch.optim.SGD semantics (the DSR recipes: momentum 0.9, weight decay 5e-4 on every parameter, thresholds
 * included, docs/method.md §2.4/§4.4). A parameter with `decay: false` gets no weight decay.
 */
export function sgd(opts: SgdOptions = {}): Optimizer<SgdState> {
  const momentum = opts.momentum ?? 0.9;
  const weightDecay = opts.weightDecay ?? 0;
  const dampening = opts.dampening ?? 0;
  const nesterov = opts.nesterov ?? false;
  check(momentum >= 0 && momentum < 1, `momentum must be in [0, 1), got ${momentum}`, 'sgd');
  check(weightDecay >= 0, `weight decay must be ≥ 0, got ${weightDecay}`, 'sgd');
  check(!nesterov || (momentum > 0 && dampening === 0), 'Nesterov momentum needs momentum > 0 and dampening 0', 'sgd');
  return {
    kind: 'sgd',
    init: (params, k) => ({ kind: 'sgd', steps: 0, momentum: params.map((p) => k.alloc(p.value.length)) }),
    step(params, state, lr, k) {
      params.forEach((p, i) =>
        k.sgdStep(p.value, p.grad, state.momentum[i]!, {
          n: p.value.length,
          lr,
          momentum,
          weightDecay: p.decay ? weightDecay : 0,
          dampening,
          nesterov,
          firstStep: state.steps === 0,
        }),
      );
      return { ...state, steps: state.steps + 1 };
    },
  };
}
