/**
 * Accuracy against T of one trained network: the same weights re-run with fewer or more time steps. `eval --t-sweep`
 * and the HTML report both use this file and smallest-t.ts, so they print the same numbers and the same sentence.
 */
import type { Dataset } from '../data/dataset.js';
import type { Kernels } from '../kernels/kernels.js';
import { buildModel } from '../models/index.js';
import { networkTensors, tensorsFromHost, tensorsToHost } from '../nn/host-access.js';
import type { Network } from '../nn/network.js';
import { neuronOverridesOf, type TrainConfig, weightQuantOf } from './config.js';
import { evaluate } from './loop.js';
import { type SweepPoint, sweepValues } from './smallest-t.js';

export type { SweepPoint } from './smallest-t.js';

/** The same trained weights in a network that runs T steps. */
export function networkAtT(k: Kernels, trained: Network, cfg: TrainConfig, T: number): Network {
  if (T === trained.T) return trained;
  const { net } = buildModel(k, {
    model: cfg.model,
    input: trained.inputShape as [number, number, number],
    classes: trained.classes,
    neuron: cfg.neuron,
    T,
    seed: cfg.seed,
    dropout: cfg.dropout,
    neuronOverrides: neuronOverridesOf(cfg),
    weightQuant: weightQuantOf(cfg),
    readout: cfg.readout,
  });
  const from = new Map(tensorsToHost(trained.k, networkTensors(trained)).map((p) => [p.name, p.value] as const));
  const to = networkTensors(net);
  for (const p of to) p.value.set(from.get(p.name)!);
  tensorsFromHost(k, to);
  return net;
}

/**
 * `net` (trained at net.T) evaluated on `ds` at each of `Ts`, the trained T included; `trained` is that T's point
 * when the caller has already evaluated it.
 */
export function accuracyAgainstT(
  k: Kernels,
  net: Network,
  cfg: TrainConfig,
  ds: Dataset,
  Ts: readonly number[],
  trained?: SweepPoint,
): SweepPoint[] {
  return sweepValues(Ts, net.T).map((T) => {
    if (T === net.T && trained !== undefined) return trained;
    const { accuracy, metrics } = evaluate(k, networkAtT(k, net, cfg, T), ds, cfg, true);
    return { T, accuracy, samples: ds.length, synOps: metrics!.synOps, energyJoules: metrics!.energyJoules };
  });
}
