import type { GpuOp } from '../encoder.js';
import type { OpAttrs } from './attrs.js';

export const batchNormStats: GpuOp<OpAttrs['batchNormStats']> = () => {
  throw new Error('webgpu: batchNormStats is not written yet');
};
export const batchNormApply: GpuOp<OpAttrs['batchNormApply']> = () => {
  throw new Error('webgpu: batchNormApply is not written yet');
};
export const batchNormBackward: GpuOp<OpAttrs['batchNormBackward']> = () => {
  throw new Error('webgpu: batchNormBackward is not written yet');
};
