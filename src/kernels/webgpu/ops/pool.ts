import type { GpuOp } from '../encoder.js';
import type { OpAttrs } from './attrs.js';

export const avgPool2dForward: GpuOp<OpAttrs['avgPool2dForward']> = () => {
  throw new Error('webgpu: avgPool2dForward is not written yet');
};
export const avgPool2dBackward: GpuOp<OpAttrs['avgPool2dBackward']> = () => {
  throw new Error('webgpu: avgPool2dBackward is not written yet');
};
