import type { Layer } from '../nn/layer.js';
import type { Network } from '../nn/network.js';
import { Sequential } from '../nn/sequential.js';
import { Residual } from '../nn/residual.js';
import { Conv2d } from '../nn/conv2d.js';
import { Linear } from '../nn/linear.js';
import { AvgPool2d } from '../nn/avgpool.js';
import { SpikingNeuron } from '../nn/neuron-layer.js';
import { BatchNorm } from '../nn/batchnorm.js';

/**
 * Energy constants at 45 nm (Horowitz, ISSCC 2014, as used throughout the SNN literature): a 32-bit float
 * accumulate costs 0.9 pJ, a multiply-accumulate 4.6 pJ. A spike reaching a synapse costs one accumulate.
 */
export const ENERGY_PJ = { accumulate: 0.9, multiplyAccumulate: 4.6 } as const;

export interface LayerRate {
  layer: string;
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
    const neurons: SpikingNeuron[] = [];
    visit(net.body, (l) => {
      if (l instanceof SpikingNeuron) neurons.push(l);
    });
    for (const n of neurons) n.startCounting();
    return {
      finish(samples: number): RunMetrics {
        for (const n of neurons) n.stopCounting();
        return summarise(net, neurons, samples);
      },
    };
  },
};

function visit(l: Layer, f: (l: Layer) => void): void {
  f(l);
  if (l instanceof Sequential) for (const c of l.layers) visit(c, f);
  if (l instanceof Residual) {
    visit(l.main, f);
    if (l.shortcut !== null) visit(l.shortcut, f);
  }
}

/** What reaches a layer: spikes (with how many per sample, summed over T) or analog values. */
type Source = { spiking: true; spikes: number } | { spiking: false };

function summarise(net: Network, neurons: SpikingNeuron[], samples: number): RunMetrics {
  let synOps = 0;
  let analogMacs = 0;
  let annMacs = 0;
  const walk = (l: Layer, src: Source, shape: number[]): { src: Source; shape: number[] } => {
    const out = l.outputShape(shape, { T: 1, batch: 1 });
    if (l instanceof Sequential) {
      let s = { src, shape };
      for (const c of l.layers) s = walk(c, s.src, s.shape);
      return s;
    }
    if (l instanceof Residual) {
      walk(l.main, src, shape);
      if (l.shortcut !== null) walk(l.shortcut, src, shape);
      return { src: { spiking: false }, shape: out };
    }
    if (l instanceof Conv2d || l instanceof Linear) {
      const inSize = shape.slice(1).reduce((a, b) => a * b, 1);
      const outSize = out.slice(1).reduce((a, b) => a * b, 1);
      const macs = l instanceof Linear ? inSize * l.opts.outF : outSize * l.weight.value.length / l.opts.outC;
      annMacs += macs;
      // fan-out of one input element: every output it touches (interior positions of a conv)
      const fanOut = macs / inSize;
      if (src.spiking) synOps += (src.spikes / samples) * fanOut;
      else analogMacs += macs;
      return { src: { spiking: false }, shape: out };
    }
    if (l instanceof SpikingNeuron) {
      return { src: { spiking: true, spikes: l.counted.spikes }, shape: out };
    }
    if (l instanceof AvgPool2d && src.spiking) return { src, shape: out }; // folded into the next weights
    return { src: l instanceof BatchNorm ? { spiking: false } : src, shape: out };
  };
  const first = firstInputShape(net);
  if (first !== null) walk(net.body, { spiking: false }, first);
  const firingRates = neurons.map((n) => ({
    layer: n.opts.name,
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
