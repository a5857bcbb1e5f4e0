import type { Conv2d } from '../nn/conv2d.js';
import type { Layer } from '../nn/layer.js';
import { neuronLabels } from '../nn/layer-labels.js';
import type { Linear } from '../nn/linear.js';
import type { Network } from '../nn/network.js';
import type { SpikingNeuron } from '../nn/neuron-layer.js';
import type { NormBlock } from '../nn/norm-block.js';
import type { RecurrentLif } from '../nn/recurrent-lif.js';
import type { Residual } from '../nn/residual.js';
import { isSpikingNeuron, layersOf, neuronLayers } from '../nn/walk.js';

/**
 * Energy constants at 45 nm (Horowitz, ISSCC 2014, as used throughout the SNN literature): a 32-bit float
 * accumulate costs 0.9 pJ, a multiply-accumulate 4.6 pJ. A spike reaching a synapse costs one accumulate.
 */
export const ENERGY_PJ = { accumulate: 0.9, multiplyAccumulate: 4.6 } as const;

export interface LayerRate {
  layer: string;
  /** What a reader calls the layer: "conv 2 (64 ch)", "output (10 classes)" (nn/layer-labels.ts). */
  label: string;
  /**
   * Spikes per neuron per time step over the evaluated samples. For the ANN: mean activation / Vth, the rate an
   * IF neuron with that threshold would approach.
   */
  firingRate: number;
}

export interface RunMetrics {
  firingRates: LayerRate[];
  thresholds: { layer: string; vth: number }[];
  /** Synaptic operations per sample: Σ over weighted layers of (input spikes × fan-out). */
  synOps: number;
  /** Multiply-accumulates per sample of layers whose input is analog (e.g. the first conv on direct input). */
  analogMacs: number;
  /** Multiply-accumulates per sample of the ANN of the same shape. */
  annMacs: number;
  /** Estimated energy per sample: synOps·0.9 pJ + analogMacs·4.6 pJ (SNN) against annMacs·4.6 pJ (ANN). */
  energyJoules: number;
  annEnergyJoules: number;
  energyConstantsPJ: typeof ENERGY_PJ;
}

interface Probe {
  finish(samples: number, inputSize: number): RunMetrics;
}

/**
 * Turns on spike counting in every neuron layer for the evaluation that follows, then walks the network in
 * forward order to turn the counts into firing rates and synaptic operations.
 */
export const collectMetrics = {
  begin(net: Network): Probe {
    const neurons = neuronLayers(net.body);
    const recurrent = layersOf(net.body).filter((l): l is RecurrentLif => l.kind === 'recurrent');
    for (const n of [...neurons, ...recurrent]) n.startCounting();
    return {
      finish(samples: number): RunMetrics {
        for (const n of [...neurons, ...recurrent]) n.stopCounting();
        return summarise(net, neurons, samples);
      },
    };
  },
};

/** What reaches a layer: spikes (with how many per sample, summed over T) or analog values. */
type Source = { spiking: true; spikes: number } | { spiking: false };

function summarise(net: Network, neurons: SpikingNeuron[], samples: number): RunMetrics {
  let synOps = 0;
  let analogMacs = 0;
  let annMacs = 0;
  // a series feeds new values at every step: analog layers, and the ANN of the same shape, work all T steps
  const steps = net.seriesInput ? net.T : 1;
  const walk = (l: Layer, src: Source, shape: number[]): { src: Source; shape: number[] } => {
    const out = l.outputShape(shape, { T: 1, batch: 1 });
    const chain = (layers: readonly Layer[], s: { src: Source; shape: number[] }): { src: Source; shape: number[] } => {
      for (const c of layers) s = walk(c, s.src, s.shape);
      return s;
    };
    // containers by kind: the order and branching of their children decide what each weight layer reads
    if (l.kind === 'sequential') return chain(l.children(), { src, shape });
    if (l.kind === 'residual') {
      const r = l as Residual;
      walk(r.main, src, shape);
      if (r.shortcut !== null) walk(r.shortcut, src, shape);
      return { src: { spiking: false }, shape: out };
    }
    if (l.kind === 'norm-block') {
      for (const b of (l as NormBlock).branches)
        chain([...(b.pre === null ? [] : [b.pre]), ...(b.weight === null ? [] : [b.weight])], { src, shape });
      return { src: { spiking: false }, shape: out };
    }
    if (l.kind === 'conv2d' || l.kind === 'linear') {
      const inSize = shape.slice(1).reduce((a, b) => a * b, 1);
      const outSize = out.slice(1).reduce((a, b) => a * b, 1);
      const conv = l as Conv2d;
      const macs =
        l.kind === 'linear' ? inSize * (l as Linear).opts.outF : (outSize * conv.weight.value.length) / conv.opts.outC;
      annMacs += macs * steps;
      // fan-out of one input element: every output it touches (interior positions of a conv)
      const fanOut = macs / inSize;
      if (src.spiking) synOps += (src.spikes / samples) * fanOut;
      else analogMacs += macs * steps;
      return { src: { spiking: false }, shape: out };
    }
    if (l.kind === 'recurrent') {
      // each step's outputs reach all H neurons again through W_r at the next step
      const r = l as RecurrentLif;
      const H = r.opts.size;
      annMacs += H * H * steps;
      synOps += (r.counted.spikes / samples) * H;
      return { src: { spiking: true, spikes: r.counted.spikes }, shape: out };
    }
    if (isSpikingNeuron(l)) {
      return { src: { spiking: true, spikes: l.counted.spikes }, shape: out };
    }
    if (l.kind === 'avgpool2d' && src.spiking) return { src, shape: out }; // folded into the next weights
    return { src: l.kind === 'batchnorm' ? { spiking: false } : src, shape: out };
  };
  const first = firstInputShape(net);
  if (first !== null) walk(net.body, { spiking: false }, first);
  const labels = neuronLabels(net.body, net.classes);
  const firingRates = neurons.map((n) => ({
    layer: n.opts.name,
    label: labels.get(n.opts.name) ?? n.opts.name,
    firingRate: n.counted.neuronSteps > 0 ? n.counted.spikes / n.counted.neuronSteps : 0,
  }));
  if (neurons[0]?.opts.mode === 'ann' || neurons[0]?.opts.mode === 'relu') {
    // The ANN multiplies every activation: all of its operations are MACs.
    synOps = 0;
    analogMacs = annMacs;
  }
  const energyJoules = (synOps * ENERGY_PJ.accumulate + analogMacs * ENERGY_PJ.multiplyAccumulate) * 1e-12;
  return {
    firingRates,
    thresholds: neurons.map((n) => ({ layer: n.opts.name, vth: n.vth.value[0]! })),
    synOps,
    analogMacs,
    annMacs,
    energyJoules,
    annEnergyJoules: annMacs * ENERGY_PJ.multiplyAccumulate * 1e-12,
    energyConstantsPJ: ENERGY_PJ,
  };
}

function firstInputShape(net: Network): number[] | null {
  return net.inputShape === undefined ? null : [1, ...net.inputShape];
}
