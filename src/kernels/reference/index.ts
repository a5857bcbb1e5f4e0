/**
 * The reference backend: plain loops over Float32Array, written to be obviously right rather than fast.
 * It is the living specification of the kernel contract (kernels.ts) and the oracle every fast backend is
 * tested against, so keep it simple. One file per kernel group; this file only assembles them.
 */
import { composedBatchNormBackward } from '../batchnorm-compose.js';
import type { Buf, Kernels } from '../kernels.js';
import { batchNormApply, batchNormBackward, batchNormStats } from './batchnorm.js';
import { packSpikes, unpackSpikes } from './bits.js';
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from './conv.js';
import { elementwise, reduce, sumRows } from './elementwise.js';
import { gemm } from './gemm.js';
import { softmaxCrossEntropy } from './loss.js';
import { neuronBackward, neuronForward } from './neuron.js';
import { adamStep, sgdStep } from './optim.js';
import { avgPool2dBackward, avgPool2dForward } from './pool.js';
import { conv2dSparseBackwardFilter, conv2dSparseForward, conv2dSparseForwardCross } from './sparse.js';
import { transpose } from './transpose.js';

export class ReferenceKernels implements Kernels {
  readonly name = 'reference' as const;
  readonly threads = 1;
  alloc(n: number): Buf {
    return new Float32Array(n);
  }
  free(_buf: Buf): void {}
  toHost(buf: Buf): Buf {
    return buf;
  }
  fromHost(_buf: Buf): void {}
  gemm = gemm;
  conv2dForward = conv2dForward;
  conv2dBackwardInput = conv2dBackwardInput;
  conv2dBackwardFilter = conv2dBackwardFilter;
  conv2dSparseForward = conv2dSparseForward;
  conv2dSparseBackwardFilter = conv2dSparseBackwardFilter;
  conv2dSparseForwardCross = conv2dSparseForwardCross;
  avgPool2dForward = avgPool2dForward;
  avgPool2dBackward = avgPool2dBackward;
  batchNormStats = batchNormStats;
  batchNormApply = batchNormApply;
  batchNormBackward: Kernels['batchNormBackward'] = (x, dy, m, s, g, dx, dg, db, a) => {
    if (!composedBatchNormBackward(this, x, dy, m, s, g, dx, dg, db, a))
      batchNormBackward(x, dy, m, s, g, dx, dg, db, a);
  };
  neuronForward = neuronForward;
  neuronBackward = neuronBackward;
  packSpikes = packSpikes;
  unpackSpikes = unpackSpikes;
  transpose = transpose;
  elementwise = elementwise;
  reduce = reduce;
  sumRows = sumRows;
  softmaxCrossEntropy = softmaxCrossEntropy;
  sgdStep = sgdStep;
  adamStep = adamStep;
}

/** The shared reference instance; it has no state. */
export const reference: Kernels = new ReferenceKernels();
