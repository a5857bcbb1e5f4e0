import { check } from '../errors.js';
import type { Kernels } from '../kernels/kernels.js';
import type { GradMode } from '../nn/grad-mode.js';
import { Network } from '../nn/network.js';
import type { WeightQuant } from '../nn/quant.js';
import { Rng } from '../rng.js';
import { Builder } from './builder.js';
import { mnistNet } from './mnistnet.js';
import { DEFAULT_DROPOUT, MODEL_NAMES, type ModelName } from './names.js';
import { type NeuronChoice, type NeuronOverrides, type NeuronSpec, neuronSpec } from './neurons.js';
import { preActResNet18 } from './preact-resnet18.js';
import { speckNet } from './specknet.js';
import { vgg11 } from './vgg11.js';

export { DEFAULT_DROPOUT, MODEL_NAMES, type ModelName };

export interface ModelOptions {
  model: ModelName;
  /** Channels-last input shape of one sample, [H, W, C] (event data: the shape of one frame). */
  input: readonly [number, number, number];
  classes: number;
  neuron: NeuronChoice;
  neuronOverrides?: NeuronOverrides;
  /** Time steps; the ANN always runs with T = 1. */
  T: number;
  seed?: number;
  dropout?: number;
  /** See NetworkOptions.firstLayersOnce (default on). */
  firstLayersOnce?: boolean;
  /** 'exact' (default) or 'representation' (nn/grad-mode.ts). */
  gradMode?: GradMode;
  /** Forward K time steps at a time (nn/time-chunk.ts); absent for one pass over all T. */
  timeChunk?: number;
  /** Quantisation-aware training (nn/quant.ts): every conv and linear runs on its quantised weight; absent for float. */
  weightQuant?: WeightQuant;
}

export interface BuiltModel {
  net: Network;
  spec: NeuronSpec;
}

/** Builds a named model with every neuron layer of the chosen kind; weights are drawn from `seed`. */
export function buildModel(k: Kernels, o: ModelOptions): BuiltModel {
  check(MODEL_NAMES.includes(o.model), `expected one of ${MODEL_NAMES.join('|')}, got ${String(o.model)}`, 'model');
  check(Number.isInteger(o.T) && o.T >= 1, `T must be an integer ≥ 1, got ${o.T}`, 'T');
  const spec = neuronSpec(o.neuron, o.neuronOverrides);
  const b = new Builder(k, new Rng(o.seed ?? 0), spec, o.weightQuant);
  let body: ReturnType<typeof mnistNet>;
  switch (o.model) {
    case 'mnistnet':
      body = mnistNet(b, o.input, o.classes);
      break;
    case 'resnet18':
      body = preActResNet18(b, o.input, o.classes, o.dropout ?? DEFAULT_DROPOUT.resnet18);
      break;
    case 'vgg11':
      body = vgg11(b, o.input, o.classes, o.dropout ?? DEFAULT_DROPOUT.vgg11);
      break;
    case 'specknet':
      body = speckNet(b, o.input, o.classes);
      break;
    default:
      o.model satisfies never;
      throw new Error('unreachable');
  }
  const T = spec.mode === 'ann' || spec.mode === 'relu' ? 1 : o.T;
  return {
    net: new Network({
      k,
      T,
      body,
      readout: b.readout(),
      inputShape: o.input,
      classes: o.classes,
      firstLayersOnce: o.firstLayersOnce,
      gradMode: o.gradMode,
      timeChunk: o.timeChunk,
      modelName: o.model,
    }),
    spec,
  };
}

export { Builder } from './builder.js';
export type { NeuronChoice, NeuronOverrides, NeuronSpec } from './neurons.js';
export { NEURON_CHOICES, neuronSpec } from './neurons.js';
