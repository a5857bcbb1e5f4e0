/**
 * The webgpu backend's neuron and pointwise kernels against the reference backend (conformance.neuron.ts), every
 * kernel on the device (hostMax 0). Skipped with the reason where there is no adapter, never under CI.
 */
import { neuronConformance } from '../support/conformance.neuron.js';
import { requireAdapterUnderCi, SKIP, useWebGpu } from '../support/kernels.webgpu-setup.js';

const gpu = useWebGpu();
requireAdapterUnderCi();
neuronConformance('webgpu neuron and pointwise kernels', () => gpu.get(), SKIP);
