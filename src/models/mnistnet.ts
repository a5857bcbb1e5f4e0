import type { Layer } from '../nn/layer.js';
import { Sequential } from '../nn/sequential.js';
import type { Builder } from './builder.js';

/**
 * The MNIST-scale convnet of the benchmarks and the default model:
 * conv3×3 C→32, BN, neuron, avgpool2, conv3×3 32→64, BN, neuron, avgpool2,
 * linear (H/4·W/4·64)→256, BN1d, neuron, linear 256→classes, BN1d, neuron.
 */
export function mnistNet(b: Builder, input: readonly [number, number, number], classes: number): Layer {
  const [H, W, C] = input;
  const flat = Math.floor(H / 4) * Math.floor(W / 4) * 64;
  return new Sequential([
    b.normed(b.conv('features.0', C, 32, 3), b.bn('features.1', 32)),
    b.neuron('features.2'),
    b.pool(2),
    b.normed(b.conv('features.4', 32, 64, 3), b.bn('features.5', 64)),
    b.neuron('features.6'),
    b.pool(2),
    b.flatten(),
    b.normed(b.linear('classifier.0', flat, 256), b.bn('classifier.1', 256)),
    b.neuron('classifier.2'),
    b.normed(b.linear('classifier.3', 256, classes), b.bn('classifier.4', classes)),
    b.neuron('classifier.5'),
  ]);
}
