/**
 * The webgpu backend's dense kernels against the reference backend (the shared suite in conformance.dense.ts),
 * every kernel on the device (hostMax 0). Skipped with the reason where there is no adapter, never under CI.
 */
import { denseConformance } from '../support/conformance.dense.js';
import { requireAdapterUnderCi, SKIP, useWebGpu } from '../support/kernels.webgpu-setup.js';

const gpu = useWebGpu();
requireAdapterUnderCi();
denseConformance('webgpu dense kernels', () => gpu.get(), SKIP);
