import type { Layer } from '../nn/layer.js';
import { Sequential } from '../nn/sequential.js';
import type { Builder } from './builder.js';

/**
 * A convnet that fits Speck / DYNAP-CNN (docs/targets.md): conv → IF → sum-pool cores. It trains with batch-norm
 * (without it the same network learned far slower in short runs: 73 % against 91.5 % after one epoch of 3000 MNIST
 * images), which the export folds into the conv/linear before it, so at inference there is none:
 * conv3×3 C→16, BN, IF, pool2, conv3×3 16→32, BN, IF, pool2, linear (H/4·W/4·32)→128, BN, IF, linear 128→classes,
 * BN, IF.
 * (Average pooling exports as sum pooling with its 1/k² folded into the next weights.) Four cores of Speck's nine; on
 * MNIST the first conv's output map is 28×28 and the first linear's kernel, as Speck runs it, 7×7.
 */
export function speckNet(b: Builder, input: readonly [number, number, number], classes: number): Layer {
  const [H, W, C] = input;
  const flat = Math.floor(H / 4) * Math.floor(W / 4) * 32;
  return new Sequential([
    b.normed(b.conv('features.0', C, 16, 3), b.bn('features.1', 16)),
    b.neuron('features.2'),
    b.pool(2),
    b.normed(b.conv('features.4', 16, 32, 3), b.bn('features.5', 32)),
    b.neuron('features.6'),
    b.pool(2),
    b.flatten(),
    b.normed(b.linear('classifier.0', flat, 128), b.bn('classifier.1', 128)),
    b.neuron('classifier.2'),
    b.normed(b.linear('classifier.3', 128, classes), b.bn('classifier.4', classes)),
    b.neuron('classifier.5'),
  ]);
}
