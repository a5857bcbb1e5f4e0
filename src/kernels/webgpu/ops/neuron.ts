import type { GpuOp } from '../encoder.js';
import type { OpAttrs } from './attrs.js';

export const neuronForward: GpuOp<OpAttrs['neuronForward']> = () => {
  throw new Error('webgpu: neuronForward is not written yet');
};
export const neuronBackward: GpuOp<OpAttrs['neuronBackward']> = () => {
  throw new Error('webgpu: neuronBackward is not written yet');
};
