/**
 * Post-training quantisation of a trained float network (`spikerep quantize`): the same network with every conv and
 * linear on its quantised weight (nn/quant.ts), and each neuron layer's threshold recalibrated on a few training
 * batches so that it stands where the trained threshold stood relative to the current the layer receives. Rounding
 * shifts each layer's input current; a threshold left as trained then fires too much or too little, and the error
 * compounds layer by layer ("after quantisation the network is silent").
 *
 * Recalibration reuses the percentile sampling of threshold calibration (train/calibrate.ts, docs/method.md §4.5),
 * but as a ratio: with p_f and p_q the `percentile` of the float and quantised layer's positive input current on
 * the same batches, the quantised layer's threshold is Vth·p_q/p_f. Layers are set in forward order, each measured
 * once the layers before it have their new thresholds. The forwards run in eval mode (running batch-norm
 * statistics): the network is trained.
 */
import { batchesOf, type Dataset, epochOrder, gatherBatch } from '../data/dataset.js';
import type { Kernels } from '../kernels/kernels.js';
import { buildModel } from '../models/index.js';
import { networkTensors, tensorsFromHost, tensorsToHost } from '../nn/host-access.js';
import type { Network } from '../nn/network.js';
import type { SpikingNeuron } from '../nn/neuron-layer.js';
import type { WeightQuant } from '../nn/quant.js';
import { neuronLayers } from '../nn/walk.js';
import { Rng } from '../rng.js';
import { neuronOverridesOf, type TrainConfig } from './config.js';
import { encodeBatch } from './encode.js';
import { ActivationSample } from './percentile.js';

export interface PostQuantizeOptions {
  readonly quant: WeightQuant;
  /** Training batches the thresholds are recalibrated on; 0 keeps the trained thresholds. */
  readonly batches: number;
  readonly batchSize: number;
  /** The percentile of each layer's input current the ratio is taken at, in (0, 100]. */
  readonly percentile: number;
  readonly seed: number;
}

/** The quantised network and the thresholds it got, by layer name, in forward order (before → after). */
export interface PostQuantized {
  readonly net: Network;
  readonly thresholds: Record<string, { readonly float: number; readonly quantized: number }>;
}

/** `float` (built from `cfg`) with weights quantised as `opts.quant` says and thresholds recalibrated on `ds`. */
export function postQuantize(
  k: Kernels,
  float: Network,
  cfg: TrainConfig,
  ds: Dataset,
  opts: PostQuantizeOptions,
): PostQuantized {
  const { net } = buildModel(k, {
    model: cfg.model,
    input: float.inputShape as [number, number, number],
    classes: float.classes,
    neuron: cfg.neuron,
    T: cfg.T,
    seed: cfg.seed,
    dropout: cfg.dropout,
    neuronOverrides: neuronOverridesOf(cfg),
    weightQuant: opts.quant,
  });
  const from = new Map(tensorsToHost(k, networkTensors(float)).map((t) => [t.name, t.value] as const));
  const to = networkTensors(net);
  for (const t of to) t.value.set(from.get(t.name)!);
  tensorsFromHost(k, to);

  const floatLayers = neuronLayers(float.body).filter((l) => l.opts.mode !== 'relu');
  const quantLayers = neuronLayers(net.body).filter((l) => l.opts.mode !== 'relu');
  const thresholds: Record<string, { float: number; quantized: number }> = {};
  for (const l of quantLayers) {
    k.toHost(l.vth.value);
    thresholds[l.opts.name] = { float: l.vth.value[0]!, quantized: l.vth.value[0]! };
  }
  if (opts.batches === 0) return { net, thresholds };

  const picked = [...batchesOf(epochOrder(ds.length, new Rng(opts.seed)), Math.min(opts.batchSize, ds.length))].slice(
    0,
    opts.batches,
  );
  const run = (n: Network): void => {
    const rng = new Rng(opts.seed + 7919); // the same encodings in every pass
    let batch: ReturnType<typeof gatherBatch> | undefined;
    for (const idx of picked) {
      batch = gatherBatch(ds, idx, batch);
      const enc = encodeBatch(k, cfg.encoder, batch.x, batch.shape, n.T, rng);
      n.forward(enc.x, { training: false, rng, encoding: enc.encoding });
    }
  };
  const floatP = percentiles(k, floatLayers, () => run(float), opts);
  quantLayers.forEach((layer, i) => {
    const pq = percentiles(k, [layer], () => run(net), opts)[0]!;
    const pf = floatP[i]!;
    if (!(pf > 0 && pq > 0)) return; // a layer that gets no positive current keeps its threshold
    k.toHost(layer.vth.value);
    const vth = Math.max(layer.opts.config.vthBound, (layer.vth.value[0]! * pq) / pf);
    layer.vth.value[0] = vth;
    k.fromHost(layer.vth.value);
    thresholds[layer.opts.name] = { float: thresholds[layer.opts.name]!.float, quantized: Math.fround(vth) };
  });
  return { net, thresholds };
}

/** The `percentile` of each layer's positive input current over one `pass`. */
function percentiles(
  k: Kernels,
  layers: readonly SpikingNeuron[],
  pass: () => void,
  opts: Pick<PostQuantizeOptions, 'percentile' | 'seed'>,
): number[] {
  const samples = layers.map(() => new ActivationSample(new Rng(opts.seed)));
  layers.forEach((l, i) => {
    l.observeInput = samples[i]!.observer(k);
  });
  try {
    pass();
  } finally {
    for (const l of layers) l.observeInput = null;
  }
  return samples.map((s) => s.quantile(opts.percentile / 100));
}
