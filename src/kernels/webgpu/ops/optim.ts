import type { GpuOp } from '../encoder.js';
import type { OpAttrs } from './attrs.js';

export const sgdStep: GpuOp<OpAttrs['sgdStep']> = () => {
  throw new Error('webgpu: sgdStep is not written yet');
};
export const adamStep: GpuOp<OpAttrs['adamStep']> = () => {
  throw new Error('webgpu: adamStep is not written yet');
};
