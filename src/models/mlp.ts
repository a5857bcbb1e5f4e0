import type { Layer } from '../nn/layer.js';
import { Sequential } from '../nn/sequential.js';
import type { Builder } from './builder.js';

/** Hidden neurons of the series models: small enough that a spoken-digit epoch takes seconds on one thread. */
export const SERIES_HIDDEN = 128;

/**
 * A feed-forward spiking network over series: each step's row of C channels goes through
 * linear C→128, BN1d, neuron, linear 128→128, BN1d, neuron, linear 128→classes, BN1d, neuron; the readout
 * turns the last layer's T steps into logits. Every layer is per step: what carries time is the neurons' membrane.
 */
export function seriesMlp(b: Builder, channels: number, classes: number): Layer {
  const h = SERIES_HIDDEN;
  return new Sequential([
    b.normed(b.linear('fc1', channels, h), b.bn('bn1', h)),
    b.neuron('sn1'),
    b.normed(b.linear('fc2', h, h), b.bn('bn2', h)),
    b.neuron('sn2'),
    b.normed(b.linear('fc3', h, classes), b.bn('bn3', classes)),
    b.neuron('sn3'),
  ]);
}
