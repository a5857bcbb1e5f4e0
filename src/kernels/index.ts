/** `spikerep/kernels`: the contract and the reference backend, for backend authors and tests. */

export type { BackendOptions } from './backend.js';
export { BACKEND_NAMES, createKernels, disposeKernels } from './backend.js';
export type { ConvSpec } from './geometry.js';
export { convGeometry, convMacs, linearGeometry, outSize, poolGeometry } from './geometry.js';
export type * from './kernels.js';
export { ReferenceKernels, reference } from './reference/index.js';
export { WasmKernels } from './wasm/index.js';
