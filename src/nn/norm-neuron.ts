/**
 * A conv/linear + batch-norm block followed by a spiking neuron (every convnet here): the batch-norm computes its
 * statistics, updates its running ones and keeps what its backward needs, but does not write its output; the
 * neuron applies the normalisation per channel as it reads the block's output (kernels' `normalized`), and, when
 * a 2×2 pooling follows, pools its own spikes as well (nn/neuron-pool.ts). The [T·B, H, W, C] normalised current,
 * read once by the neuron and dropped, is never written. The numbers are those of the layers one after the other:
 * each backend's fused loop applies the batch-norm with its own batchNormApply's arithmetic, the batch-norm's
 * backward reads its own input, and the neuron's backward needs only Ī, which its forward gathers.
 * Only where nothing else reads the normalised current (NormBlock.outputRead, SpikingNeuron.takesNormalizedInput):
 * a recorder on the block or its batch-norm, a robustness hook or observer on the neuron, time chunks; elsewhere
 * the layers run as they are.
 */
import type { Tensor } from '../tensor.js';
import type { Layer, RunContext } from './layer.js';
import { pooledOutput } from './neuron-pool.js';
import type { NormBlock } from './norm-block.js';
import { isSpikingNeuron } from './walk.js';

/**
 * The output of layers[i] (a batch-norm block), layers[i + 1] (a neuron) and, where it pools its spikes itself,
 * layers[i + 2] (a 2×2 pooling) for x, with the number of layers it ran; null when they are not such a run.
 */
export function forwardNormNeuron(
  layers: readonly Layer[],
  i: number,
  x: Tensor,
  ctx: RunContext,
): { readonly y: Tensor; readonly ran: number } | null {
  const block = layers[i];
  const neuron = layers[i + 1];
  if (block === undefined || neuron === undefined || !isNormBlock(block) || !isSpikingNeuron(neuron)) return null;
  if (block.outputRead() || !neuron.takesNormalizedInput(ctx)) return null;
  const input = block.forwardUnapplied(x, ctx);
  const pool = layers[i + 2];
  const into = pool === undefined ? null : pooledOutput(neuron, pool, input.x.shape, ctx);
  return { y: neuron.forwardNormalized(input, ctx, into), ran: into === null ? 2 : 3 };
}

/**
 * forwardNormNeuron for a block run once per sample (`once`: the network's time-invariant first layers) and the
 * layers after it given its output once: the neuron layers[0] runs forwardRepeatedNormalized in `ctx`, pooling
 * into layers[1] where it can. Null, having run nothing, when they are not such a run.
 */
export function forwardNormNeuronOnce(
  block: Layer,
  layers: readonly Layer[],
  x: Tensor,
  once: RunContext,
  ctx: RunContext,
): { readonly y: Tensor; readonly ran: number } | null {
  const neuron = layers[0];
  if (!isNormBlock(block) || neuron === undefined || !isSpikingNeuron(neuron)) return null;
  if (block.outputRead() || !neuron.takesNormalizedInput(ctx)) return null;
  const input = block.forwardUnapplied(x, once);
  const pool = layers[1];
  const spikeShape = [input.x.shape[0]! * ctx.T, ...input.x.shape.slice(1)];
  const into = pool === undefined ? null : pooledOutput(neuron, pool, spikeShape, ctx);
  return { y: neuron.forwardRepeatedNormalized(input, ctx, into), ran: into === null ? 1 : 2 };
}

function isNormBlock(l: Layer): l is NormBlock {
  return l.kind === 'norm-block';
}
