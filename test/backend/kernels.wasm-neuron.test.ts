/** The wasm backend's neuron and pointwise kernels against the reference backend, at 1 and 2 threads. */

import { neuronConformance } from '../support/conformance.neuron.js';
import { CONFIGS, useBackends } from '../support/kernels.wasm-setup.js';

const backends = useBackends();
for (const cfg of CONFIGS)
  neuronConformance(`wasm neuron and pointwise kernels (${cfg.label})`, () => backends.get(cfg.label)!);
