/**
 * Noise-aware training: the noise `--train-noise` names, added to every training batch and never to evaluation.
 * It draws from its own stream (seed + 104729), so the run's other streams, and a run without it, are unchanged;
 * the stream is not checkpointed, so a resumed run draws other noise than an uninterrupted one.
 */
import type { Network } from '../nn/network.js';
import { Rng } from '../rng.js';
import { gaussianNoise, saltAndPepper } from './input-noise.js';
import { parseNoiseSetting, TRAIN_NOISE_KINDS } from './kinds.js';
import { installOnNeurons, type SpikeNoiseKind, spikeNoise } from './neuron-hooks.js';

/** Installs the spike noise on the network; returns the intensity-space input perturbation, if the kind has one. */
export function installTrainingNoise(
  net: Network,
  setting: string,
  seed: number,
): ((x: Float32Array) => void) | undefined {
  const { kind, level } = parseNoiseSetting(setting, 'trainNoise', TRAIN_NOISE_KINDS);
  const rng = new Rng(seed + 104729);
  if (kind === 'gaussian') return (x) => gaussianNoise(x, level, rng);
  if (kind === 'salt-pepper') return (x) => saltAndPepper(x, level, rng);
  installOnNeurons(net.body, rng, (_, r) => spikeNoise(kind as SpikeNoiseKind, level, r, true));
  return undefined;
}
