/**
 * The optional parts of batchNormBackward (kernels.ts: sharedSteps, timeSum) composed from other kernels, for a
 * backend that does not fuse them: the numbers of the layers' unfused path. `sharedSteps`: dy repeated over the
 * steps into a temporary (elementwise copy repeats its shorter input), then the plain backward; `timeSum`: then
 * sumRows of dx over the steps.
 */
import { SpikerepError } from '../errors.js';
import { scratchBuffer } from './compose-scratch.js';
import type { BatchNormBackwardAttrs, Buf, Kernels } from './kernels.js';

/** Throws unless dy, x and timeSum fit the attributes' sharedSteps and timeSum. */
export function checkSharedSteps(x: Buf, dy: Buf, a: BatchNormBackwardAttrs): void {
  const steps = a.sharedSteps ?? 1;
  if (!Number.isInteger(steps) || steps < 1 || a.rows % steps !== 0 || dy.length * steps !== x.length) {
    throw new SpikerepError(
      'E_ARG',
      `batchNormBackward: sharedSteps ${steps} needs dy of ${x.length / steps} values (x holds ${x.length}), got ${dy.length}`,
    );
  }
  const T = a.timeSum?.weights.length;
  if (T !== undefined && (T < 1 || a.rows % T !== 0 || a.timeSum!.out.length * T !== x.length)) {
    throw new SpikerepError(
      'E_ARG',
      `batchNormBackward: timeSum over ${T} steps needs out of ${x.length / T} values, got ${a.timeSum!.out.length}`,
    );
  }
}

/** batchNormBackward with sharedSteps and timeSum composed; false (having run nothing) when a has neither. */
export function composedBatchNormBackward(
  k: Kernels,
  x: Buf,
  dy: Buf,
  mean: Buf,
  invStd: Buf,
  gamma: Buf,
  dx: Buf,
  dgamma: Buf,
  dbeta: Buf,
  a: BatchNormBackwardAttrs,
): boolean {
  if (a.sharedSteps === undefined && a.timeSum === undefined) return false;
  checkSharedSteps(x, dy, a);
  const { sharedSteps, timeSum, ...plain } = a;
  let full = dy;
  if (sharedSteps !== undefined && sharedSteps > 1) {
    full = scratchBuffer(k, repeatBuffers, x.length);
    k.elementwise([dy], full, { op: 'copy' });
  }
  k.batchNormBackward(x, full, mean, invStd, gamma, dx, dgamma, dbeta, plain);
  if (timeSum !== undefined) {
    const T = timeSum.weights.length;
    k.sumRows(dx, timeSum.out, { rows: T, cols: dx.length / T, weights: timeSum.weights });
  }
  return true;
}

/** The repeated gradient (compose-scratch.ts). */
const repeatBuffers = new WeakMap<Kernels, Buf>();
