/**
 * A tensor is a shape and a Float32Array that a backend allocated. Nothing more: no autograd graph, no
 * strides. Layers keep what they need for backward themselves (see nn/layer.ts).
 *
 * Memory layout — channels-last, time-major:
 *   images   [T·B, H, W, C]   (row t·B + b is sample b at time step t, as in the reference code's cat([x]*T))
 *   features [T·B, F]
 *   weights  conv [Cout, kH, kW, Cin], linear [Out, In]
 * Why channels-last: the inner loop of every conv (an implicit GEMM over kH·kW·Cin), of batch-norm and of the
 * neuron kernels then runs over contiguous channels, which is what SIMD kernels want; batch-norm statistics
 * become a plain [rows, C] reduction; and a neuron layer sees each time step as one contiguous block of B·H·W·C.
 * Flattening [H, W, C] differs from PyTorch's [C, H, W] order: exporters transpose (docs/nir.md).
 */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: readonly number[], data: Float32Array): Tensor {
  if (data.length !== sizeOf(shape)) {
    throw new Error(`tensor: shape [${shape.join(', ')}] needs ${sizeOf(shape)} values, got ${data.length}`);
  }
  return { shape: [...shape], data };
}

/** Elements per row: everything after the leading T·B (or B) dimension. */
export function rowSize(t: Tensor): number {
  return t.data.length / t.shape[0]!;
}
