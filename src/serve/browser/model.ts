/**
 * The demo's model in the browser (no Node imports): rebuilt from the server's payload with the same model code
 * Node uses, and images normalised with the same float32 arithmetic as the dataset loader (data/imageDataset.ts),
 * so the page predicts exactly as Node does on the same pixels.
 */
import type { Kernels } from '../../kernels/kernels.js';
import { buildModel, type ModelName, type NeuronChoice, type NeuronOverrides } from '../../models/index.js';
import { buffersOf } from '../../nn/buffers.js';
import type { Network } from '../../nn/network.js';
import type { WeightQuant } from '../../nn/quant.js';

export interface ModelMeta {
  readonly model: ModelName;
  readonly input: [number, number, number];
  readonly classes: number;
  readonly classNames: string[];
  readonly neuron: NeuronChoice;
  readonly T: number;
  readonly seed: number;
  readonly dropout: number;
  readonly overrides: NeuronOverrides;
  /** The weight quantisation a quantised checkpoint runs with (nn/quant.ts); absent for float weights. */
  readonly weightQuant?: WeightQuant;
  /** Tensors in the order they follow each other in the binary payload (float32, little-endian). */
  readonly tensors: { name: string; length: number }[];
  /** Per-channel normalisation, or null when the model reads intensities in [0, 1]. */
  readonly stats: { mean: number[]; std: number[] } | null;
  readonly dataset: string;
  readonly testAccuracy?: number;
}

export function buildFromPayload(k: Kernels, meta: ModelMeta, bin: ArrayBuffer): Network {
  const { net } = buildModel(k, {
    model: meta.model,
    input: meta.input,
    classes: meta.classes,
    neuron: meta.neuron,
    T: meta.T,
    seed: meta.seed,
    dropout: meta.dropout,
    neuronOverrides: meta.overrides,
    weightQuant: meta.weightQuant,
  });
  const targets = new Map(
    [...net.params(), ...buffersOf([net.body, net.readout])].map((p) => [p.name, p.value] as const),
  );
  const all = new Float32Array(bin);
  let at = 0;
  for (const t of meta.tensors) {
    const dst = targets.get(t.name);
    if (dst === undefined || dst.length !== t.length)
      throw new Error(`model payload: tensor ${t.name} does not fit the model`);
    dst.set(all.subarray(at, at + t.length));
    at += t.length;
  }
  if (at !== all.length) throw new Error(`model payload: ${all.length - at} floats left over`);
  return net;
}

/** uint8 pixels [H, W, C] → the network's input, exactly as the dataset loader computes it. */
export function normalizePixels(pixels: ArrayLike<number>, stats: ModelMeta['stats'], C: number): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const x = f(pixels[i]! / 255);
    const c = i % C;
    out[i] = stats === null ? x : f(f(x - f(stats.mean[c]!)) / f(stats.std[c]!));
  }
  return out;
}
