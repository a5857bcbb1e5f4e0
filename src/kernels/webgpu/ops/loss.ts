import type { GpuOp } from '../encoder.js';
import type { OpAttrs } from './attrs.js';

export const softmaxCrossEntropy: GpuOp<OpAttrs['softmaxCrossEntropy']> = () => {
  throw new Error('webgpu: softmaxCrossEntropy is not written yet');
};
