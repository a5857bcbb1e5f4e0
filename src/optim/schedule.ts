import { check } from '../errors.js';

/** A learning rate as a function of the epoch (0-based) and the global iteration (0-based, across epochs). */
export type Schedule = (epoch: number, iteration: number) => number;

export function constantLr(lr: number): Schedule {
  return () => lr;
}

/**
 * The DSR recipe's schedule (docs/method.md §4.4): cosine annealing by epoch, lr0·½·(1 + cos(π·epoch/epochs)), multiplied
 * during the first `warmupIters` iterations by (iteration + 1)/warmupIters.
 */
export function cosineWarmup(lr0: number, epochs: number, warmupIters = 0): Schedule {
  check(Number.isInteger(epochs) && epochs >= 1, `epochs must be an integer ≥ 1, got ${epochs}`, 'epochs');
  return withWarmup(lr0, warmupIters, (epoch) => halfCosine(lr0, epoch, epochs));
}

/**
 * Cosine annealing by step: lr0·½·(1 + cos(π·i/total)) over all `totalIters` steps, so the rate falls smoothly to 0 by
 * the last step (a run of two or three epochs gets the annealing the per-epoch schedule only gives long runs), with
 * the same linear warm-up.
 */
export function cosineStepWarmup(lr0: number, totalIters: number, warmupIters = 0): Schedule {
  check(Number.isInteger(totalIters) && totalIters >= 1, `steps must be an integer ≥ 1, got ${totalIters}`, 'epochs');
  return withWarmup(lr0, warmupIters, (_epoch, iteration) =>
    halfCosine(lr0, Math.min(iteration, totalIters), totalIters),
  );
}

/** lr0·½·(1 + cos(π·done/total)), the angle rounded as the schedules always rounded it. */
function halfCosine(lr0: number, done: number, total: number): number {
  return 0.5 * lr0 * (1 + Math.cos((Math.PI * done) / total));
}

/** `annealed`, multiplied during the first `warmupIters` iterations by (iteration + 1)/warmupIters. */
function withWarmup(lr0: number, warmupIters: number, annealed: Schedule): Schedule {
  check(lr0 >= 0 && Number.isFinite(lr0), `learning rate must be a finite number ≥ 0, got ${lr0}`, 'lr');
  check(
    Number.isInteger(warmupIters) && warmupIters >= 0,
    `warm-up must be an integer ≥ 0, got ${warmupIters}`,
    'warmupIters',
  );
  return (epoch, iteration) => {
    const lr = annealed(epoch, iteration);
    return iteration < warmupIters ? (lr * (iteration + 1)) / warmupIters : lr;
  };
}
