/**
 * A robustness sweep: a trained network's test accuracy under each kind of noise at each level (docs/robustness.md).
 * Level 0 is the clean network, evaluated once and shared by every kind. Each (kind, level) draws from its own
 * generator, seeded from the sweep's seed, the kind and the level, so any one point can be reproduced on its own.
 */
import type { Dataset } from '../data/dataset.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Network } from '../nn/network.js';
import { Rng } from '../rng.js';
import { gaussianNoise, perturbInIntensities, saltAndPepper } from '../robustness/input-noise.js';
import { NOISE_INFO, NOISE_KINDS, type NoiseKind, type NoiseSite } from '../robustness/kinds.js';
import { installOnNeurons, spikeNoise, thresholdNoise } from '../robustness/neuron-hooks.js';
import { perturbWeights } from '../robustness/weight-noise.js';
import type { TrainConfig } from './config.js';
import { evaluate } from './loop.js';

export interface RobustnessCurve {
  kind: NoiseKind;
  site: NoiseSite;
  /** What the level measures ("p", "±k steps"). */
  level: string;
  /** Accuracy per level; for device kinds swept over several draws, their mean, and each draw's in `draws`. */
  points: { level: number; accuracy: number; draws?: number[] }[];
  /** Why a kind was not swept beyond level 0 (jitter at T = 1). */
  skipped?: string;
}

export interface SweepOptions {
  readonly kinds: readonly NoiseKind[];
  readonly seed: number;
  /** Levels per kind instead of the defaults (NOISE_INFO); 0 is added where missing. */
  readonly levels?: Partial<Record<NoiseKind, readonly number[]>>;
  /**
   * Devices drawn per level for the device kinds (weight, threshold), whose one draw holds for the whole test set:
   * the point is their mean (default 1).
   */
  readonly draws?: number;
  /** Called after every point, for progress. */
  readonly onPoint?: (kind: NoiseKind, level: number, accuracy: number) => void;
}

/** The generator of one (kind, level) point, or of its `draw`-th device. */
export function pointRng(seed: number, kind: NoiseKind, levelIndex: number, draw = 0): Rng {
  return new Rng((seed * 7919 + NOISE_KINDS.indexOf(kind) * 131 + levelIndex + draw * 1000003) >>> 0);
}

export function robustnessSweep(
  k: Kernels,
  net: Network,
  test: Dataset,
  cfg: TrainConfig,
  o: SweepOptions,
): RobustnessCurve[] {
  const clean = evaluate(k, net, test, cfg, false).accuracy;
  return o.kinds.map((kind) => {
    const info = NOISE_INFO[kind];
    const levels = [...new Set([0, ...(o.levels?.[kind] ?? info.levels)])].sort((a, b) => a - b);
    const curve: RobustnessCurve = { kind, site: info.site, level: info.level, points: [] };
    if (kind === 'jitter' && net.T === 1) {
      curve.points.push({ level: 0, accuracy: clean });
      curve.skipped = 'T = 1: a single step has no timing to jitter';
      return curve;
    }
    const draws = info.site === 'device' ? (o.draws ?? 1) : 1;
    levels.forEach((level, i) => {
      if (level === 0) {
        curve.points.push({ level, accuracy: clean });
        return;
      }
      const each = Array.from({ length: draws }, (_, d) =>
        accuracyUnder(k, net, test, cfg, kind, level, pointRng(o.seed, kind, i, d)),
      );
      const accuracy = each.reduce((a, b) => a + b, 0) / draws;
      curve.points.push(draws > 1 ? { level, accuracy, draws: each } : { level, accuracy });
      o.onPoint?.(kind, level, accuracy);
    });
    return curve;
  });
}

/** Test accuracy with one kind of noise at one level; the network is left as it was found. */
export function accuracyUnder(
  k: Kernels,
  net: Network,
  test: Dataset,
  cfg: TrainConfig,
  kind: NoiseKind,
  level: number,
  rng: Rng,
): number {
  switch (kind) {
    case 'gaussian':
      return evaluate(
        k,
        net,
        noisyInputs(test, (x) => gaussianNoise(x, level, rng)),
        cfg,
        false,
      ).accuracy;
    case 'salt-pepper':
      return evaluate(
        k,
        net,
        noisyInputs(test, (x) => saltAndPepper(x, level, rng)),
        cfg,
        false,
      ).accuracy;
    case 'weight': {
      const restore = perturbWeights(k, net.params(), level, rng);
      try {
        return evaluate(k, net, test, cfg, false).accuracy;
      } finally {
        restore();
      }
    }
    default: {
      const remove = installOnNeurons(net.body, rng, (_, r) =>
        kind === 'threshold' ? thresholdNoise(level, r) : spikeNoise(kind, level, r),
      );
      try {
        return evaluate(k, net, test, cfg, false).accuracy;
      } finally {
        remove();
      }
    }
  }
}

/** The dataset with every sample perturbed in intensity space as it is read (evaluation reads in order). */
function noisyInputs(ds: Dataset, perturb: (x: Float32Array) => void): Dataset {
  const size = ds.sampleShape.reduce((a, b) => a * b, 1);
  return {
    name: ds.name,
    length: ds.length,
    sampleShape: ds.sampleShape,
    classes: ds.classes,
    stats: ds.stats,
    normalized: ds.normalized,
    label: (i) => ds.label(i),
    read(i, out, offset) {
      ds.read(i, out, offset);
      perturbInIntensities(out.subarray(offset, offset + size), ds, perturb);
    },
  };
}
