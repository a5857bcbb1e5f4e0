import { check } from '../errors.js';
import type { Kernels } from '../kernels/kernels.js';
import type { GradMode } from '../nn/grad-mode.js';
import { Network } from '../nn/network.js';
import type { WeightQuant } from '../nn/quant.js';
import type { ReadoutKind } from '../nn/readout.js';
import { Rng } from '../rng.js';
import { Builder } from './builder.js';
import { seriesMlp } from './mlp.js';
import { mnistNet } from './mnistnet.js';
import { DEFAULT_DROPOUT, MODEL_INPUT, MODEL_NAMES, type ModelName } from './names.js';
import { type NeuronChoice, type NeuronOverrides, type NeuronSpec, neuronSpec } from './neurons.js';
import { preActResNet18 } from './preact-resnet18.js';
import { speckNet } from './specknet.js';
import { seriesRnn } from './srnn.js';
import { vgg11 } from './vgg11.js';

export { DEFAULT_DROPOUT, MODEL_INPUT, MODEL_NAMES, type ModelName };

export interface ModelOptions {
  model: ModelName;
  /**
   * Channels-last input shape of one sample, [H, W, C] (event data: the shape of one frame); series models
   * (MODEL_INPUT) take one step's row as [1, 1, C].
   */
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
  /** The readout over the last neuron layer's steps (nn/readout.ts): 'rate' (default) or 'last'. */
  readout?: ReadoutKind;
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
  const series = MODEL_INPUT[o.model] === 'series';
  check(
    !(o.model === 'srnn' && spec.mode === 'dsr'),
    `srnn's recurrent layer cannot train by DSR (its rate representation has no term for the recurrence, docs/temporal.md): use --neuron bptt, relu or ann, or --model mlp; got ${o.neuron}`,
    'neuron',
  );
  const b = new Builder(k, new Rng(o.seed ?? 0), spec, o.weightQuant, series);
  const channels = o.input[0] * o.input[1] * o.input[2];
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
    case 'mlp':
      body = seriesMlp(b, channels, o.classes);
      break;
    case 'srnn':
      body = seriesRnn(b, channels, o.classes);
      break;
    default:
      o.model satisfies never;
      throw new Error('unreachable');
  }
  // an image's ANN sees it once; a series changes every step, so its ANN runs all T steps too
  const T = (spec.mode === 'ann' || spec.mode === 'relu') && !series ? 1 : o.T;
  return {
    net: new Network({
      k,
      T,
      body,
      readout: b.readout(o.readout),
      inputShape: o.input,
      classes: o.classes,
      firstLayersOnce: o.firstLayersOnce,
      gradMode: o.gradMode,
      timeChunk: o.timeChunk,
      modelName: o.model,
      seriesInput: series,
    }),
    spec,
  };
}

export { Builder } from './builder.js';
export type { NeuronChoice, NeuronOverrides, NeuronSpec } from './neurons.js';
export { NEURON_CHOICES, neuronSpec } from './neurons.js';
