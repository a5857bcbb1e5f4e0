/**
 * Every op of the webgpu backend, by contract method. The buffer order of each (what `b` holds; null where an
 * optional buffer is absent) is the method's own buffer arguments, then the buffers its attributes carry:
 *   gemm                 [a, b, c]
 *   conv2dForward        [x, w, bias?, y]              conv2dSparseForward [x, wT, bias?, y]
 *   conv2dBackwardInput  [dy, w, dx]                   conv2dBackwardFilter [x, dy, dw, dbias?]
 *   avgPool2dForward     [x, y]                        avgPool2dBackward    [dy, dx]
 *   batchNormStats       [x, mean, variance]           batchNormApply       [x, y, mean, invStd, gamma, beta]
 *   batchNormBackward    [x, dy, mean, invStd, gamma, dx, dgamma, dbeta]
 *   neuronForward        [input, spikes, membrane?, record?, rateOut?, current?]
 *   neuronBackward       [gradOut, gradIn, inputRep? (representation), membrane? (surrogate)]  → partial sums
 *   packSpikes           [x, bits]                     unpackSpikes         [bits, y]
 *   transpose            [x, y]
 *   elementwise          [...inputs, out]
 *   reduce               [x]                           → partial sums
 *   sumRows              [x, out]
 *   softmaxCrossEntropy  [logits, grad]                → partial sums of the per-row losses
 *   sgdStep              [param, grad, momentum]       adamStep             [param, grad, m, v]
 * Attributes are the contract's (kernels.ts) with buffers removed and lengths added (attrs.ts says which).
 */
import type { GpuOp } from '../encoder.js';
import type * as A from './attrs.js';
import * as norm from './batchnorm.js';
import * as conv from './conv.js';
import * as ew from './elementwise.js';
import * as dense from './gemm.js';
import * as loss from './loss.js';
import * as neuron from './neuron.js';
import * as optim from './optim.js';
import * as pool from './pool.js';

export const OPS: { readonly [K in keyof A.OpAttrs]: GpuOp<A.OpAttrs[K]> } = {
  gemm: dense.gemm,
  conv2dForward: conv.conv2dForward,
  conv2dSparseForward: conv.conv2dSparseForward,
  conv2dBackwardInput: conv.conv2dBackwardInput,
  conv2dBackwardFilter: conv.conv2dBackwardFilter,
  avgPool2dForward: pool.avgPool2dForward,
  avgPool2dBackward: pool.avgPool2dBackward,
  batchNormStats: norm.batchNormStats,
  batchNormApply: norm.batchNormApply,
  batchNormBackward: norm.batchNormBackward,
  neuronForward: neuron.neuronForward,
  neuronBackward: neuron.neuronBackward,
  packSpikes: ew.packSpikes,
  unpackSpikes: ew.unpackSpikes,
  transpose: ew.transpose,
  elementwise: ew.elementwise,
  reduce: ew.reduce,
  sumRows: ew.sumRows,
  softmaxCrossEntropy: loss.softmaxCrossEntropy,
  sgdStep: optim.sgdStep,
  adamStep: optim.adamStep,
};
