/**
 * The native backend's neuron and pointwise kernels against the reference backend, at 1 and 2 threads. Skipped with
 * the build command when the addon is not built (never under CI).
 */

import { neuronConformance } from '../support/conformance.neuron.js';
import { NATIVE_CONFIGS, requireBuiltUnderCi, SKIP, useNativeBackends } from '../support/kernels.native-setup.js';

const backends = useNativeBackends();
requireBuiltUnderCi();
for (const cfg of NATIVE_CONFIGS.slice(0, 2)) {
  neuronConformance(`native neuron and pointwise kernels (${cfg.label})`, () => backends.get(cfg.label)!, SKIP);
}
