/**
 * A spiking neuron followed by a 2×2 stride-2 average pooling without padding (mnistnet, VGG, SpeckNet): the
 * neuron writes the pooled spikes itself (kernels' `pooled`), so the [T·B, H, W, C] spike train — the largest
 * tensor of such a network, read once by the pooling and dropped — is never written. The numbers are those of the
 * two layers run one after the other: the pooled values are avgPool2dForward's bits, the neuron's backward needs
 * its input (or Ī), never its spikes, and the pooling's backward only its geometry. Only where nothing else
 * reads the spikes (SpikingNeuron.poolsOwnSpikes); elsewhere the two layers run as they are.
 */
import type { Tensor } from '../tensor.js';
import type { AvgPool2d } from './avgpool.js';
import type { Layer, RunContext } from './layer.js';
import type { PooledOutput, SpikingNeuron } from './neuron-layer.js';
import { isSpikingNeuron } from './walk.js';

/**
 * The pooled output of `neuron` then `pool` for x, or null when they are not such a pair or the spikes are needed.
 * `once`: x is given once for all T steps (forwardRepeated).
 */
export function forwardNeuronPool(
  neuron: Layer,
  pool: Layer,
  x: Tensor,
  ctx: RunContext,
  once: boolean,
): Tensor | null {
  if (!isSpikingNeuron(neuron)) return null;
  const into = pooledOutput(neuron, pool, once ? [x.shape[0]! * ctx.T, ...x.shape.slice(1)] : x.shape, ctx);
  if (into === null) return null;
  return once ? neuron.forwardRepeatedPooled(x, ctx, into) : neuron.forwardPooled(x, ctx, into);
}

/**
 * Where `neuron` writes the pooling `pool` of its spikes [T·B, H, W, C] itself, or null when `pool` is no 2×2
 * pooling or the spikes are read. Sets up the pooling's backward: call only to use it.
 */
export function pooledOutput(
  neuron: SpikingNeuron,
  pool: Layer,
  spikeShape: readonly number[],
  ctx: RunContext,
): PooledOutput | null {
  if (!isAvgPool(pool) || !neuron.poolsOwnSpikes(ctx)) return null;
  const g = pool.halvingGeometry(spikeShape);
  return g === null ? null : { g, out: pool.outputFor(g, ctx) };
}

function isAvgPool(l: Layer): l is AvgPool2d {
  return l.kind === 'avgpool2d';
}
