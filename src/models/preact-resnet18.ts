import { Sequential } from '../nn/sequential.js';
import { Residual } from '../nn/residual.js';
import type { Layer } from '../nn/layer.js';
import type { Builder } from './builder.js';

/**
 * One pre-activation block as the DSR code builds it (docs/method.md §4.1, §3): BN → neuron, and then both the main path
 * (conv3×3/s → BN → neuron → dropout → conv3×3) and the shortcut (identity, or conv1×1/s when the shape changes)
 * start from that first neuron's spikes. Convs in the block have biases.
 */
function preActBlock(b: Builder, name: string, inC: number, outC: number, stride: number, dropout: number): Layer {
  const main: Layer[] = [
    b.conv(`${name}.conv1`, inC, outC, 3, { stride }),
    b.bn(`${name}.bn2`, outC),
    b.neuron(`${name}.relu2`),
  ];
  if (dropout > 0) main.push(b.dropout(dropout));
  main.push(b.conv(`${name}.conv2`, outC, outC, 3));
  const shortcut = stride !== 1 || inC !== outC ? b.conv(`${name}.shortcut.0`, inC, outC, 1, { stride, pad: 0 }) : null;
  return new Sequential([
    b.bn(`${name}.bn1`, inC),
    b.neuron(`${name}.relu1`),
    new Residual({ main: new Sequential(main), shortcut }),
  ]);
}

/**
 * CIFAR PreAct-ResNet-18 of docs/method.md §4.1: a bias-free 3×3 stem with no BN or neuron after it, four stages of two
 * blocks (64/128/256/512, strides 1/2/2/2), then BN → neuron → AvgPool(4) → neuron → flatten → linear → BN1d →
 * neuron. 16 + 3 = 19 neuron layers, each with its own threshold.
 */
export function preActResNet18(b: Builder, input: readonly [number, number, number], classes: number, dropout = 0): Layer {
  const [H, , C] = input;
  const layers: Layer[] = [b.conv('conv1', C, 64, 3, { bias: false })];
  let inC = 64;
  [64, 128, 256, 512].forEach((outC, stage) => {
    const stride = stage === 0 ? 1 : 2;
    layers.push(preActBlock(b, `layer${stage + 1}.0`, inC, outC, stride, dropout));
    layers.push(preActBlock(b, `layer${stage + 1}.1`, outC, outC, 1, dropout));
    inC = outC;
  });
  const finalSize = H / 8; // 32 → 4
  layers.push(
    b.bn('bn', 512),
    b.neuron('relu'),
    b.pool(finalSize),
    b.neuron('relu2'),
    b.flatten(),
    b.linear('linear', 512, classes, { biasInit: 'zero' }),
    b.bn('bn_out', classes),
    b.neuron('relu_out'),
  );
  return new Sequential(layers);
}
