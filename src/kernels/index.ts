/** `spikerep/kernels`: the contract and the reference backend, for backend authors and tests. */
export type * from './kernels.js';
export { ReferenceKernels, reference } from './reference/index.js';
export { convGeometry, poolGeometry, linearGeometry, outSize, convMacs } from './geometry.js';
export type { ConvSpec } from './geometry.js';
export { createKernels, disposeKernels, BACKEND_NAMES } from './backend.js';
export type { BackendOptions } from './backend.js';
export { WasmKernels } from './wasm/index.js';
