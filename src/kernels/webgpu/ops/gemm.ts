import type { GpuOp } from '../encoder.js';
import type { OpAttrs } from './attrs.js';

export const gemm: GpuOp<OpAttrs['gemm']> = () => {
  throw new Error('webgpu: gemm is not written yet');
};
