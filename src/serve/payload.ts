/** A checkpoint as the demo page loads it: JSON metadata plus one float32 blob of weights and BN statistics. */

import { openDataset } from '../data/registry.js';
import type { Kernels } from '../kernels/kernels.js';
import { networkTensors, tensorsToHost } from '../nn/host-access.js';
import { effectiveSettings, neuronOverridesOf, weightQuantOf } from '../train/config.js';
import { datasetOptions } from '../train/dataset-options.js';
import { modelFromCheckpoint } from '../train/state.js';
import type { ModelMeta } from './browser/model.js';

export interface DemoPayload {
  readonly meta: ModelMeta;
  readonly bin: Buffer;
  /** A few test images (uint8, [H, W, C]) and their labels for the page's "test image" button. */
  readonly samples: { pixels: number[]; label: number }[];
}

export async function demoPayload(
  k: Kernels,
  checkpoint: string,
  samples = 20,
  dataDir?: string,
): Promise<DemoPayload> {
  const { net, config, run } = modelFromCheckpoint(k, checkpoint);
  const named = tensorsToHost(k, networkTensors(net));
  const bin = Buffer.alloc(named.reduce((a, t) => a + t.value.length * 4, 0));
  let at = 0;
  for (const t of named) {
    Buffer.from(t.value.buffer, t.value.byteOffset, t.value.byteLength).copy(bin, at);
    at += t.value.byteLength;
  }
  const normalized = config.encoder === 'direct';
  const raw = await openDataset(config.dataset, 'test', {
    ...datasetOptions(config, dataDir ?? config.dataDir),
    normalize: false, // the page shows the raw image; the net's input is normalised separately
  });
  const n = raw.sampleShape.reduce((a, b) => a * b, 1);
  const buf = new Float32Array(n);
  const list = [];
  for (let i = 0; i < Math.min(samples, raw.length); i++) {
    raw.read(i, buf, 0);
    list.push({ pixels: Array.from(buf, (x) => Math.round(x * 255)), label: raw.label(i) });
  }
  const meta: ModelMeta = {
    model: config.model,
    input: net.inputShape as [number, number, number],
    classes: net.classes,
    classNames: [...raw.classes],
    neuron: config.neuron,
    T: config.T,
    seed: config.seed,
    dropout: effectiveSettings(config).dropout,
    overrides: neuronOverridesOf(config),
    ...(config.weightBits === undefined ? {} : { weightQuant: weightQuantOf(config) }),
    tensors: named.map((t) => ({ name: t.name, length: t.value.length })),
    stats: normalized && raw.stats !== undefined ? { mean: [...raw.stats.mean], std: [...raw.stats.std] } : null,
    dataset: config.dataset,
    // a checkpoint is written after its epoch's evaluations, so its last record is its own
    testAccuracy: run.history[run.history.length - 1]?.testAccuracy,
  };
  return { meta, bin, samples: list };
}
