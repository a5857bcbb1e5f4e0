import type { Layer } from '../nn/layer.js';
import { Sequential } from '../nn/sequential.js';
import type { Builder } from './builder.js';
import { SERIES_HIDDEN } from './mlp.js';

/**
 * A recurrent spiking network over series: linear C→128 and BN1d give each step's input current to a recurrent
 * layer of 128 neurons (nn/recurrent-lif.ts: its own spikes of the step before come back through a 128×128
 * weight), then linear 128→classes, BN1d and a neuron layer the readout reads.
 */
export function seriesRnn(b: Builder, channels: number, classes: number): Layer {
  const h = SERIES_HIDDEN;
  return new Sequential([
    b.normed(b.linear('fc1', channels, h), b.bn('bn1', h)),
    b.recurrent('rnn', h),
    b.normed(b.linear('fc2', h, classes), b.bn('bn2', classes)),
    b.neuron('sn2'),
  ]);
}
