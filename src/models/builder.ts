import type { Kernels } from '../kernels/kernels.js';
import { AdaptiveAvgPool2d } from '../nn/adaptive-avgpool.js';
import { AvgPool2d } from '../nn/avgpool.js';
import { BatchNorm } from '../nn/batchnorm.js';
import type { WeightLayer } from '../nn/bn-correction.js';
import { Conv2d, type Conv2dOptions } from '../nn/conv2d.js';
import { Dropout } from '../nn/dropout.js';
import { Flatten } from '../nn/flatten.js';
import type { Layer } from '../nn/layer.js';
import { Linear, type LinearOptions } from '../nn/linear.js';
import { SpikingNeuron } from '../nn/neuron-layer.js';
import { NormBlock, type NormBranch } from '../nn/norm-block.js';
import type { WeightQuant } from '../nn/quant.js';
import { RateReadout, type ReadoutKind } from '../nn/readout.js';
import { RecurrentLif } from '../nn/recurrent-lif.js';
import type { Rng } from '../rng.js';
import type { NeuronSpec } from './neurons.js';

/**
 * Shorthand for model definitions: every layer of a model is made through one Builder, so all neuron layers
 * share the model's NeuronSpec and all weights draw from one seeded generator in definition order.
 */
export class Builder {
  constructor(
    readonly k: Kernels,
    readonly rng: Rng,
    readonly neuronSpec: NeuronSpec,
    /** Quantisation-aware training: every conv and linear runs on its quantised weight (nn/quant.ts). */
    readonly weightQuant?: WeightQuant,
    /** Models over series run their analog (ANN) neurons over all T steps (nn/neuron-layer.ts, analogOverTime). */
    readonly analogOverTime = false,
  ) {}

  conv(name: string, inC: number, outC: number, kernel: number, o: Partial<Conv2dOptions> = {}): Conv2d {
    const quant = this.weightQuant === undefined ? {} : { quant: this.weightQuant };
    return new Conv2d(
      { k: this.k, rng: this.rng },
      { name, inC, outC, kernel, pad: (kernel - 1) >> 1, ...quant, ...o },
    );
  }

  linear(name: string, inF: number, outF: number, o: Partial<LinearOptions> = {}): Linear {
    const quant = this.weightQuant === undefined ? {} : { quant: this.weightQuant };
    return new Linear({ k: this.k, rng: this.rng }, { name, inF, outF, ...quant, ...o });
  }

  bn(name: string, channels: number): BatchNorm {
    return new BatchNorm({ k: this.k }, { name, channels });
  }

  /** A conv or linear and the batch-norm after it, as one block (nn/norm-block.ts). */
  normed(weight: WeightLayer, bn: BatchNorm): NormBlock {
    return new NormBlock({ branches: [{ pre: null, weight }], bn });
  }

  /** Paths whose outputs are summed into one batch-norm (a residual add and the BN that reads it). */
  normedSum(branches: readonly NormBranch[], bn: BatchNorm): NormBlock {
    return new NormBlock({ branches, bn });
  }

  neuron(name: string): SpikingNeuron {
    const s = this.neuronSpec;
    return new SpikingNeuron(
      { k: this.k },
      {
        name,
        config: s.config,
        mode: s.mode,
        surrogateSlope: s.surrogateSlope,
        ...(this.analogOverTime ? { analogOverTime: true } : {}),
      },
    );
  }

  /** A recurrent layer of `size` neurons (nn/recurrent-lif.ts); DSR neurons are refused by models/index.ts. */
  recurrent(name: string, size: number): RecurrentLif {
    const s = this.neuronSpec;
    if (s.mode === 'dsr') throw new Error('unreachable: DSR has no recurrent layer');
    return new RecurrentLif(
      { k: this.k, rng: this.rng },
      { name, size, config: s.config, mode: s.mode, surrogateSlope: s.surrogateSlope },
    );
  }

  readout(kind: ReadoutKind = 'rate'): Layer {
    return new RateReadout({ config: this.neuronSpec.config, kind });
  }

  pool(kernel: number, stride = kernel): AvgPool2d {
    return new AvgPool2d({ kernel, stride });
  }

  /** The average over each channel's whole map, whatever its size: [rows, H, W, C] → [rows, 1, 1, C]. */
  globalPool(): AdaptiveAvgPool2d {
    return new AdaptiveAvgPool2d({ size: 1 });
  }

  flatten(): Flatten {
    return new Flatten();
  }

  dropout(p: number): Dropout {
    return new Dropout({ p });
  }
}
