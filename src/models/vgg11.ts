import { AdaptiveAvgPool2d } from '../nn/adaptive-avgpool.js';
import type { Layer } from '../nn/layer.js';
import { Sequential } from '../nn/sequential.js';
import type { Builder } from './builder.js';

const STAGES = [[64], [128], [256, 256], [512, 512], [512, 512]] as const;

/**
 * VGG-11 for DVS-CIFAR10 as the DSR code builds it (docs/method.md §4.2): every conv 3×3/pad 1 with bias (init 0) →
 * BN → neuron → Dropout(p), an AvgPool2d(2) after each stage, then AdaptiveAvgPool2d(7×7) → flatten →
 * Linear(512·49, classes) with N(0, 0.01) weights and zero bias → BN1d → neuron. 8 + 1 = 9 thresholds.
 */
export function vgg11(b: Builder, input: readonly [number, number, number], classes: number, dropout = 0.1): Layer {
  const layers: Layer[] = [];
  let inC = input[2];
  let i = 0;
  for (const stage of STAGES) {
    for (const outC of stage) {
      layers.push(
        b.normed(b.conv(`features.${i}`, inC, outC, 3, { biasInit: 'zero' }), b.bn(`features.${i + 1}`, outC)),
        b.neuron(`features.${i + 2}`),
      );
      i += 3;
      if (dropout > 0) layers.push(b.dropout(dropout));
      i += 1;
      inC = outC;
    }
    layers.push(b.pool(2));
    i += 1;
  }
  layers.push(
    new AdaptiveAvgPool2d({ size: 7 }),
    b.flatten(),
    b.normed(
      b.linear('classifier.0', 512 * 49, classes, { weightInit: { normalStd: 0.01 }, biasInit: 'zero' }),
      b.bn('classifier.1', classes),
    ),
    b.neuron('classifier.2'),
  );
  return new Sequential(layers);
}
