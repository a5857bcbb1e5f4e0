import type { Layer } from '../nn/layer.js';
import type { NormBranch } from '../nn/norm-block.js';
import { Sequential } from '../nn/sequential.js';
import type { Builder } from './builder.js';

/**
 * One pre-activation block as the DSR code builds it (docs/method.md §4.1, §3): BN → neuron, and then both the main path
 * (conv3×3/s → BN → neuron → dropout → conv3×3) and the shortcut (identity, or conv1×1/s when the shape changes)
 * start from that first neuron's spikes, and their sum goes to the next block's first BN. Convs in the block
 * have biases.
 *
 * The block's first BN closes the block in front of it (nn/norm-block.ts): that BN reads the sum of the previous
 * block's two paths, so the layers here are `bn1` over the paths `open` left, then the neuron, and the block
 * returns its own paths for whatever BN comes next.
 */
function preActBlock(
  b: Builder,
  name: string,
  open: readonly NormBranch[],
  inC: number,
  outC: number,
  stride: number,
  dropout: number,
): { layers: Layer[]; open: NormBranch[] } {
  const bn1 = b.bn(`${name}.bn1`, inC);
  const main: Layer[] = [
    b.normed(b.conv(`${name}.conv1`, inC, outC, 3, { stride }), b.bn(`${name}.bn2`, outC)),
    b.neuron(`${name}.relu2`),
  ];
  if (dropout > 0) main.push(b.dropout(dropout));
  const conv2 = b.conv(`${name}.conv2`, outC, outC, 3);
  const shortcut = stride !== 1 || inC !== outC ? b.conv(`${name}.shortcut.0`, inC, outC, 1, { stride, pad: 0 }) : null;
  return {
    layers: [b.normedSum(open, bn1), b.neuron(`${name}.relu1`)],
    open: [
      { pre: new Sequential(main), weight: conv2 },
      { pre: null, weight: shortcut },
    ],
  };
}

/**
 * CIFAR PreAct-ResNet-18 of docs/method.md §4.1: a bias-free 3×3 stem with no BN or neuron after it, four stages of two
 * blocks (64/128/256/512, strides 1/2/2/2), then BN → neuron → global average pool (AvgPool(4) on 32×32 input,
 * the whole final map on any other size) → neuron → flatten → linear → BN1d → neuron. 16 + 3 = 19 neuron
 * layers, each with its own threshold.
 */
export function preActResNet18(
  b: Builder,
  input: readonly [number, number, number],
  classes: number,
  dropout = 0,
): Layer {
  const C = input[2];
  const layers: Layer[] = [];
  let open: NormBranch[] = [{ pre: null, weight: b.conv('conv1', C, 64, 3, { bias: false }) }];
  let inC = 64;
  [64, 128, 256, 512].forEach((outC, stage) => {
    for (const [i, stride] of [stage === 0 ? 1 : 2, 1].entries()) {
      const block = preActBlock(b, `layer${stage + 1}.${i}`, open, i === 0 ? inC : outC, outC, stride, dropout);
      layers.push(...block.layers);
      open = block.open;
    }
    inC = outC;
  });
  layers.push(
    b.normedSum(open, b.bn('bn', 512)),
    b.neuron('relu'),
    b.globalPool(),
    b.neuron('relu2'),
    b.flatten(),
    b.normed(b.linear('linear', 512, classes, { biasInit: 'zero' }), b.bn('bn_out', classes)),
    b.neuron('relu_out'),
  );
  return new Sequential(layers);
}
