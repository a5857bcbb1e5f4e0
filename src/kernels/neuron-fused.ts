import { SpikerepError } from '../errors.js';
import type { ConvGeometry, NeuronForwardAttrs } from './kernels.js';

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

/**
 * Whether the fast backends write a fused forward's `pooled` output in the same loop: 2×2 windows at stride 2
 * without padding over whole vectors of 4 channels (any H and W: an odd last row or column is left out, as the
 * pooling leaves it out), a batch-norm in front over the same channels. Other poolings are composed
 * (kernels/neuron-compose.ts).
 */
export function poolsFused(a: NeuronForwardAttrs): a is NeuronForwardAttrs & { readonly pooled: ConvGeometry } {
  const g = a.pooled;
  checkPooled(a);
  return (
    g !== undefined &&
    runsFused(a) &&
    g.kH === 2 &&
    g.kW === 2 &&
    g.strideH === 2 &&
    g.strideW === 2 &&
    g.padH === 0 &&
    g.padW === 0 &&
    g.inC % 4 === 0 &&
    (a.normalized === undefined || a.normalized.channels === g.inC)
  );
}

/** Throws the one-line reason when `normalized`'s channels do not split the input into whole rows. */
export function checkNormalized(a: NeuronForwardAttrs): void {
  const b = a.normalized;
  if (b !== undefined && !(Number.isInteger(b.channels) && b.channels > 0 && a.n % b.channels === 0)) {
    throw new SpikerepError(
      'E_SHAPE',
      `neuronForward: normalized.channels = ${b.channels} does not divide the n = ${a.n} neurons of a step`,
    );
  }
}

/** Throws the one-line reason when `pooled`'s images do not hold the T·n spikes. */
export function checkPooled(a: NeuronForwardAttrs): void {
  const g = a.pooled;
  if (g !== undefined && g.batch * g.inH * g.inW * g.inC !== a.T * a.n) {
    throw new SpikerepError(
      'E_SHAPE',
      `neuronForward: pooled images [${g.batch}, ${g.inH}, ${g.inW}, ${g.inC}] do not hold the T·n = ${a.T * a.n} spikes`,
    );
  }
}
