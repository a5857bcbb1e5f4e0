import type { GpuOp } from '../encoder.js';
import type { OpAttrs } from './attrs.js';

export const conv2dForward: GpuOp<OpAttrs['conv2dForward']> = () => {
  throw new Error('webgpu: conv2dForward is not written yet');
};
export const conv2dSparseForward: GpuOp<OpAttrs['conv2dSparseForward']> = () => {
  throw new Error('webgpu: conv2dSparseForward is not written yet');
};
export const conv2dBackwardInput: GpuOp<OpAttrs['conv2dBackwardInput']> = () => {
  throw new Error('webgpu: conv2dBackwardInput is not written yet');
};
export const conv2dBackwardFilter: GpuOp<OpAttrs['conv2dBackwardFilter']> = () => {
  throw new Error('webgpu: conv2dBackwardFilter is not written yet');
};
