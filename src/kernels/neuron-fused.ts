import type { NeuronForwardAttrs } from './kernels.js';

/**
 * Whether a neuron forward is a plain DSR IF/LIF step, which the fast backends run in their fused loop; every other
 * parameter set (a synapse, reset to a value, `>`, a constant drive, a membrane record, the smooth forward) takes
 * their general loop. One predicate, so the wasm and native backends split the same way.
 */
export function runsFused(a: NeuronForwardAttrs): boolean {
  return (
    a.synapse === undefined &&
    a.reset.kind === 'subtract' &&
    a.strict !== true &&
    (a.bias ?? 0) === 0 &&
    a.record === undefined &&
    a.soft === undefined
  );
}
